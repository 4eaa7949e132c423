package dev.mlops.core;

/** The code version recorded in lineage, results and metrics. */
public final class Versions {
    private Versions() {
    }

    /** The version in the jar manifest, or "dev" when running from classes. */
    public static String codeVersion() {
        String v = Versions.class.getPackage().getImplementationVersion();
        String sha = System.getenv("MLOPS_GIT_SHA");
        String base = v == null ? "dev" : v;
        return sha == null || sha.isBlank() ? base : base + "+" + sha;
    }
}
