package dev.mlops.datagen;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * A seeded random stream for one key (e.g. seed, dataset, date). All maths goes through {@link StrictMath} so values are
 * bit-identical on every JVM and whether code is interpreted or JIT-compiled.
 */
final class Rng {

    private final SplittableRandom random;

    private Rng(long streamSeed) {
        this.random = new SplittableRandom(streamSeed);
    }

    /** A stream derived from the seed and the key parts (compared by their {@code toString()}). */
    static Rng of(long seed, Object... parts) {
        return new Rng(derive(seed, parts));
    }

    static long derive(long seed, Object... parts) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (Object part : parts) {
            h = mix(h ^ fnv1a(String.valueOf(part)));
        }
        return h;
    }

    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1). */
    double uniform() {
        return random.nextDouble();
    }

    /** Uniform in [lo, hi). */
    double uniform(double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }

    /** Uniform int in [0, bound). */
    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /** Uniform int in [lo, hi] (both inclusive). */
    int between(int lo, int hi) {
        return lo + random.nextInt(hi - lo + 1);
    }

    boolean chance(double p) {
        return random.nextDouble() < p;
    }

    /** Standard normal (Box-Muller, one value per call). */
    double gaussian() {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    /** Log-normal with the given median and log-sd. */
    double lognormal(double median, double sigma) {
        return median * StrictMath.exp(sigma * gaussian());
    }

    double exponential(double mean) {
        return -mean * StrictMath.log(1.0 - random.nextDouble());
    }

    /** Poisson count; exact (Knuth) below 30, normal approximation above. */
    int poisson(double lambda) {
        if (!(lambda > 0)) {
            return 0;
        }
        if (lambda < 30) {
            double limit = StrictMath.exp(-lambda);
            double p = random.nextDouble();
            int k = 0;
            while (p > limit) {
                p *= random.nextDouble();
                k++;
            }
            return k;
        }
        return (int) Math.max(0, Math.round(lambda + StrictMath.sqrt(lambda) * gaussian()));
    }

    /** Index drawn with probability proportional to the weights. */
    int weighted(double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double x = random.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    <T> T pick(T[] values) {
        return values[random.nextInt(values.length)];
    }
}
