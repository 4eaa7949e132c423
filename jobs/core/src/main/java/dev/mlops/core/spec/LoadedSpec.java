package dev.mlops.core.spec;

import static java.util.Objects.requireNonNull;

/** A validated spec with where it came from and a hash of its content (recorded in lineage). */
public record LoadedSpec(ModelSpec spec, String file, String hash) {
    public LoadedSpec {
        requireNonNull(spec, "spec is null");
        requireNonNull(file, "file is null");
        requireNonNull(hash, "hash is null");
    }

    public String model() {
        return spec.model();
    }
}
