"""The pandas peer of FeaturesBench: read the labels and features CSVs (pandas here has no pyarrow,
so it cannot read the Parquet the other engines read; DuckDB wrote these CSVs from that Parquet),
sort both by time and merge_asof them (latest feature row of the same entity with
feature_ts <= ts, ttl none), reduce the full joined frame to the bench's checksum, then (untimed)
write the joined rows of the sampled label ids. Prints one JSON line on stdout.

usage: pandas_asof.py LABELS_CSV FEATURES_CSV T0_US SAMPLE_IDS_CSV SAMPLE_OUT_CSV
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


def machine_busy_seconds():
    """CPU seconds the whole machine spent busy since boot (/proc/stat, USER_HZ 100); -1 when unknown."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)) / 100.0
    except (OSError, ValueError, IndexError):
        return -1


def main():
    labels_csv, features_csv, t0_us, sample_ids_csv, sample_out = sys.argv[1:6]
    t0_us = int(t0_us)
    import numpy as np
    import pandas as pd

    rss_before = status_kb("VmRSS")
    busy0 = machine_busy_seconds()
    cpu0 = time.process_time()
    start = time.perf_counter()
    labels = pd.read_csv(labels_csv, engine="c",
                         dtype={"label_id": np.int64, "entity_id": np.int64, "ts_us": np.int64, "label": np.int32})
    features = pd.read_csv(features_csv, engine="c",
                           dtype={"entity_id": np.int64, "feature_ts_us": np.int64, "f1": np.int64, "f2": np.float64,
                                  "f3": np.float64})
    read_done = time.perf_counter()

    # merge_asof needs both sides sorted on the time key (globally, not per entity)
    labels = labels.sort_values("ts_us", kind="quicksort")
    features = features.sort_values("feature_ts_us", kind="quicksort")
    joined = pd.merge_asof(labels, features, left_on="ts_us", right_on="feature_ts_us", by="entity_id",
                           direction="backward", allow_exact_matches=True)
    matched = joined["feature_ts_us"].notna()
    checksum = {
        "rows": int(len(joined)),
        "matched": int(matched.sum()),
        "sum_f1": int(joined["f1"].sum()),
        "sum_f2": float(joined["f2"].sum()),
        "sum_f3": float(joined["f3"].sum()),
        "sum_ts_ms": int(((joined.loc[matched, "feature_ts_us"].astype(np.int64) - t0_us) // 1000).sum()),
        "sum_label": int(joined["label"].sum()),
    }
    done = time.perf_counter()
    cpu = time.process_time() - cpu0
    other = max(0.0, machine_busy_seconds() - busy0 - cpu)
    peak = status_kb("VmHWM")

    ids = pd.read_csv(sample_ids_csv, dtype={"label_id": np.int64})["label_id"]
    sample = joined.loc[joined["label_id"].isin(ids), ["label_id", "feature_ts_us", "f1", "f2", "f3"]].copy()
    sample["feature_ts_us"] = sample["feature_ts_us"].astype("Int64")
    sample["f1"] = sample["f1"].astype("Int64")
    sample.rename(columns={"feature_ts_us": "matched_us"}).to_csv(sample_out, index=False, na_rep="", float_format="%.17g")

    out = dict(checksum)
    out.update({
        "read_seconds": read_done - start,
        "join_seconds": done - read_done,
        "seconds": done - start,
        "cpu_seconds": cpu,
        "other_cpu_seconds": other,
        "rss_before_bytes": rss_before * 1024,
        "peak_rss_bytes": peak * 1024,
        "pandas_version": pd.__version__,
        "numpy_version": np.__version__,
        "threads": 1,
    })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
