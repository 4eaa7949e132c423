"""The Python XGBoost peer of TransformBench: read the bench's rows (little-endian float32, rows x
features, NaN = missing) into a C-contiguous numpy array and load the model (XGBoost JSON written by
XGBoost4J), untimed, as the JVM floor has its float matrix and booster before its clock starts;
warm up on the first rows; then time Booster.inplace_predict of all the rows (the same call the
JVM side makes, trees up to the model's best_iteration, nthread THREADS). Untimed afterwards: the
predictions written as float32 to OUT_F32 for the JVM to compare. Prints one JSON line on stdout.

usage: xgboost_predict.py DATA_F32 ROWS FEATURES MODEL_JSON THREADS OUT_F32
"""
import json
import sys
import time


def status_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def reset_peak_rss():
    """The peak RSS (VmHWM) becomes the current RSS, as ProcessMemory.resetPeak does for the JVM."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def machine_busy_seconds():
    """CPU seconds the whole machine spent busy since boot (/proc/stat, USER_HZ 100); -1 when unknown."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)) / 100.0
    except (OSError, ValueError, IndexError):
        return -1


def main():
    data, rows, features, model, threads, out = sys.argv[1:7]
    rows, features, threads = int(rows), int(features), int(threads)
    import numpy as np
    import xgboost as xgb

    # untimed: the rows and the model
    x = np.fromfile(data, dtype="<f4", count=rows * features).reshape(rows, features)
    x = np.ascontiguousarray(x, dtype=np.float32)
    booster = xgb.Booster(model_file=model)
    booster.set_param({"nthread": threads})
    best = booster.attr("best_iteration")
    iteration_range = (0, int(best) + 1) if best is not None else (0, 0)
    booster.inplace_predict(x[: min(rows, 10000)], iteration_range=iteration_range, missing=np.nan)

    rss_before = status_kb("VmRSS")
    peak_reset = reset_peak_rss()
    busy0 = machine_busy_seconds()
    cpu0 = time.process_time()
    start = time.perf_counter()
    pred = booster.inplace_predict(x, iteration_range=iteration_range, missing=np.nan)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    other = max(0.0, machine_busy_seconds() - busy0 - cpu)
    peak = status_kb("VmHWM")

    pred = np.asarray(pred, dtype="<f4").reshape(-1)
    pred.tofile(out)
    print(json.dumps({
        "seconds": seconds,
        "cpu_seconds": cpu,
        "other_cpu_seconds": other,
        "rss_before_bytes": rss_before * 1024,
        "peak_rss_bytes": peak * 1024,
        "peak_rss_reset": peak_reset,
        "rows": int(pred.shape[0]),
        "num_boosted_rounds": booster.num_boosted_rounds(),
        "iteration_range": list(iteration_range),
        "xgboost_version": xgb.__version__,
        "numpy_version": np.__version__,
        "threads": threads,
    }))


if __name__ == "__main__":
    main()
