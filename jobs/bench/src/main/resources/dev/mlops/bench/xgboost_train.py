"""The Python XGBoost peer of TrainBench: read the bench's binary data (little-endian float32,
rows x (1 + features), label first; the first TRAIN_ROWS rows train, the next HOLDOUT_ROWS are held
out), split it into C-contiguous feature matrices and label vectors (untimed, as the JVM side has
its Matrix before the clock starts), then time what LocalXgboost.train does: DMatrix of the
training and held-out rows (NaN = missing), xgb.train with both as watches (train, validation)
and the model serialized as JSON. Untimed afterwards: the RMSE of the model's predictions on the
held-out rows. Prints one JSON line on stdout.

usage: xgboost_train.py DATA_BIN TRAIN_ROWS HOLDOUT_ROWS FEATURES ROUNDS THREADS PARAMS_JSON
"""
import json
import math
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
    data, train_rows, holdout_rows, features, rounds, threads, params_json = sys.argv[1:8]
    train_rows, holdout_rows, features = int(train_rows), int(holdout_rows), int(features)
    rounds, threads = int(rounds), int(threads)
    params = json.loads(params_json)
    import numpy as np
    import xgboost as xgb

    # untimed: the data, as the JVM side reads it into its Matrix records before its clock starts
    a = np.fromfile(data, dtype="<f4").reshape(train_rows + holdout_rows, features + 1)
    x_train = np.ascontiguousarray(a[:train_rows, 1:])
    y_train = a[:train_rows, 0].copy()
    x_valid = np.ascontiguousarray(a[train_rows:, 1:])
    y_valid = a[train_rows:, 0].copy()
    del a

    rss_before = status_kb("VmRSS")
    peak_reset = reset_peak_rss()
    busy0 = machine_busy_seconds()
    cpu0 = time.process_time()
    start = time.perf_counter()
    dtrain = xgb.DMatrix(x_train, label=y_train, missing=np.nan, nthread=threads)
    dvalid = xgb.DMatrix(x_valid, label=y_valid, missing=np.nan, nthread=threads)
    dmatrix_done = time.perf_counter()
    history = {}
    booster = xgb.train(params, dtrain, num_boost_round=rounds, evals=[(dtrain, "train"), (dvalid, "validation")],
                        evals_result=history, verbose_eval=False)
    model = booster.save_raw("json")
    done = time.perf_counter()
    cpu = time.process_time() - cpu0
    other = max(0.0, machine_busy_seconds() - busy0 - cpu)
    peak = status_kb("VmHWM")

    # untimed: RMSE of the model on the held-out rows, in float64
    pred = booster.predict(dvalid).astype(np.float64)
    rmse = math.sqrt(float(np.mean((pred - y_valid.astype(np.float64)) ** 2)))
    print(json.dumps({
        "seconds": done - start,
        "dmatrix_seconds": dmatrix_done - start,
        "train_seconds": done - dmatrix_done,
        "cpu_seconds": cpu,
        "other_cpu_seconds": other,
        "rss_before_bytes": rss_before * 1024,
        "peak_rss_bytes": peak * 1024,
        "peak_rss_reset": peak_reset,
        "rounds": booster.num_boosted_rounds(),
        "model_bytes": len(model),
        "holdout_rmse": rmse,
        "validation_rmse_last_round": float(history["validation"]["rmse"][-1]),
        "train_rmse_last_round": float(history["train"]["rmse"][-1]),
        "base_score": json.loads(booster.save_config())["learner"]["learner_model_param"]["base_score"],
        "xgboost_version": xgb.__version__,
        "numpy_version": np.__version__,
        "threads": threads,
    }))


if __name__ == "__main__":
    main()
