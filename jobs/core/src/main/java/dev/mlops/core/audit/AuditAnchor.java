package dev.mlops.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlops.core.JobException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.sql.DataSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The audit ledger's external anchor: per UTC date, one small JSON object
 * {@code <anchor_uri>/dt=<date>/head.json} with the ledger's head (seq, hash) at the end of that date
 * and the seq and hash of that date's entries. On AWS the anchor URI is a bucket under S3 Object Lock
 * (terraform/modules/lake): an anchor is written once and never replaced or deleted, so a ledger
 * rewritten later (with recomputed hashes, which the chain alone cannot see) or with its tail removed
 * no longer matches it. Written with a PutObject that refuses to overwrite ({@code If-None-Match: *});
 * when one exists it is read: identical, the re-run does nothing; different, it is a conflict.
 * No Spark: the S3 client of the AWS SDK for {@code s3://}, the file system for {@code file://}.
 */
public final class AuditAnchor {
    public static final String FORMAT = "mlops-audit-anchor/1";
    public static final String FILE = "head.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where anchors live: an object store that can add an object but never replaces one. */
    public interface Store {
        /** The object's bytes, or empty when there is none. */
        Optional<byte[]> read(String key);

        /** Writes the object unless one exists; false (and nothing written) when one exists. */
        boolean create(String key, byte[] body);

        /** Every key under the anchor root. */
        List<String> keys();

        /** Where a key is, for messages. */
        String describe(String key);
    }

    /** An anchored head: the ledger at the end of a date, and that date's entries. */
    public record Head(LocalDate date, long seq, String hash, Map<Long, String> entries) {
        public Head {
            entries = java.util.Collections.unmodifiableMap(new TreeMap<>(entries));
        }

        /** The anchor's bytes: deterministic (same ledger, same bytes), so a re-run can compare. */
        byte[] json() {
            ObjectNode root = JSON.createObjectNode();
            root.put("format", FORMAT);
            root.put("date", date.toString());
            root.putObject("head").put("seq", seq).put("hash", hash);
            ArrayNode list = root.putArray("entries");
            entries.forEach((s, h) -> list.addObject().put("seq", s).put("hash", h));
            try {
                return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Head parse(byte[] bytes, String where) {
            try {
                JsonNode n = JSON.readTree(bytes);
                if (!FORMAT.equals(n.path("format").asText())) {
                    throw new IllegalArgumentException("format is '" + n.path("format").asText() + "', expected " + FORMAT);
                }
                Map<Long, String> entries = new TreeMap<>();
                for (JsonNode e : n.path("entries")) {
                    entries.put(e.path("seq").asLong(), e.path("hash").asText());
                }
                return new Head(LocalDate.parse(n.path("date").asText()), n.path("head").path("seq").asLong(),
                        n.path("head").path("hash").asText(), entries);
            } catch (IOException | RuntimeException e) {
                throw JobException.dataContract("audit anchor " + where + " cannot be read: " + e.getMessage());
            }
        }
    }

    /** What {@link #anchor} did: wrote the anchor, or found the identical one (a re-run). */
    public record Anchored(Head head, String location, boolean written) {
    }

    /** A place where the ledger no longer matches an anchor. */
    public record Mismatch(LocalDate date, long seq, String detail) {
        @Override
        public String toString() {
            return "seq " + seq + " (anchored " + date + "): " + detail;
        }
    }

    private final DataSource ds;
    private final Store store;
    private final Clock clock;

    public AuditAnchor(DataSource ds, Store store, Clock clock) {
        this.ds = ds;
        this.store = store;
        this.clock = clock;
    }

    /** The store of an anchor URI: {@code s3://bucket/prefix/} through the given S3 client, {@code file://} on the file system. */
    public static Store store(URI anchorUri, Supplier<S3Client> s3) {
        return switch (String.valueOf(anchorUri.getScheme())) {
            case "s3" -> new S3Store(s3.get(), anchorUri.getHost(), anchorUri.getPath());
            case "file" -> new FileStore(Paths.get(anchorUri));
            default -> throw JobException.usage("audit.anchor_uri: expected s3:// or file://, got " + anchorUri);
        };
    }

    static String key(LocalDate date) {
        return "dt=" + date + "/" + FILE;
    }

    /** The head as of the end of a date (UTC) and that date's entries, read from the ledger. */
    public Head head(LocalDate date) {
        OffsetDateTime start = date.atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime end = date.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC);
        try (Connection c = ds.getConnection()) {
            long seq = 0;
            String hash = AuditEntry.GENESIS;
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM audit_log WHERE at < ? ORDER BY seq DESC LIMIT 1")) {
                ps.setObject(1, end);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        seq = rs.getLong(1);
                        hash = rs.getString(2);
                    }
                }
            }
            Map<Long, String> entries = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM audit_log WHERE at >= ? AND at < ? ORDER BY seq")) {
                ps.setObject(1, start);
                ps.setObject(2, end);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        entries.put(rs.getLong(1), rs.getString(2));
                    }
                }
            }
            return new Head(date, seq, hash, entries);
        } catch (SQLException e) {
            throw JobException.retryable("audit anchor: cannot read the ledger: " + e.getMessage(), e);
        }
    }

    /**
     * Anchors a date that is over (UTC): the ledger must verify first (a broken chain is not anchored).
     * Writes the anchor if there is none; an identical one is a no-op; a different one is a data-contract
     * failure (exit 3): the ledger changed since it was anchored, or the anchor was not written by us.
     */
    public Anchored anchor(LocalDate date) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        if (!date.isBefore(today)) {
            throw JobException.usage("audit anchor: " + date + " is not over yet (today is " + today + " UTC); anchor a date after it has ended");
        }
        AuditLedger.Report r = new AuditLedger(ds).verify();
        if (!r.ok()) {
            throw JobException.dataContract("audit anchor " + date + ": not anchoring a broken ledger: chain broken at " + r.broken());
        }
        Head head = head(date);
        byte[] body = head.json();
        String key = key(date);
        // the conditional write first: no read of a missing key (on S3 that is a 403, not a 404, for a role
        // without an unconditional s3:ListBucket), and no window between a check and the write
        if (store.create(key, body)) {
            return new Anchored(head, store.describe(key), true);
        }
        Optional<byte[]> existing = store.read(key);
        if (existing.isPresent() && Arrays.equals(existing.get(), body)) {
            return new Anchored(head, store.describe(key), false);
        }
        Head anchored = existing.map(b -> Head.parse(b, store.describe(key))).orElse(null);
        throw JobException.dataContract("audit anchor " + date + ": " + store.describe(key) + " already holds a different anchor"
                + (anchored == null ? "" : " (head seq " + anchored.seq() + " hash " + anchored.hash() + ", " + anchored.entries().size()
                + " entries)") + " than the ledger now gives (head seq " + head.seq() + " hash " + head.hash() + ", " + head.entries().size()
                + " entries); anchors are never replaced: run mlops audit verify to find where the ledger changed");
    }

    /** Every anchor, oldest first. */
    public List<Head> anchors() {
        List<Head> out = new ArrayList<>();
        for (String k : store.keys()) {
            if (k.matches("dt=\\d{4}-\\d{2}-\\d{2}/" + FILE.replace(".", "\\."))) {
                byte[] b = store.read(k).orElseThrow(() -> JobException.retryable("audit anchor " + store.describe(k) + " disappeared", null));
                Head h = Head.parse(b, store.describe(k));
                if (!k.equals(key(h.date()))) {
                    throw JobException.dataContract("audit anchor " + store.describe(k) + " is for date " + h.date());
                }
                out.add(h);
            }
        }
        out.sort(java.util.Comparator.comparing(Head::date));
        return out;
    }

    /**
     * Compares the ledger with every anchor: each anchored head and each anchored entry must still be in
     * the ledger with the same hash (an entry rewritten with a recomputed hash, or a removed tail, is
     * found), and no entry may have been added to an anchored date afterwards. The first mismatch per
     * anchor, oldest anchor first; empty when all match.
     */
    public List<Mismatch> check() {
        List<Head> anchors = anchors();
        if (anchors.isEmpty()) {
            return List.of();
        }
        Map<Long, String> ledger = new HashMap<>();
        Map<Long, LocalDate> dates = new HashMap<>();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT seq, hash, at FROM audit_log ORDER BY seq")) {
            c.setAutoCommit(false);
            ps.setFetchSize(1000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ledger.put(rs.getLong(1), rs.getString(2));
                    dates.put(rs.getLong(1), rs.getObject(3, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC).toLocalDate());
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw JobException.retryable("audit anchor: cannot read the ledger: " + e.getMessage(), e);
        }
        List<Mismatch> out = new ArrayList<>();
        for (Head a : anchors) {
            Mismatch m = null;
            for (Map.Entry<Long, String> e : a.entries().entrySet()) {
                m = compare(a.date(), e.getKey(), e.getValue(), ledger);
                if (m != null) {
                    break;
                }
            }
            if (m == null && a.seq() > 0) {
                m = compare(a.date(), a.seq(), a.hash(), ledger);
            }
            if (m == null) {
                long extra = dates.entrySet().stream().filter(d -> d.getValue().equals(a.date()) && !a.entries().containsKey(d.getKey()))
                        .mapToLong(Map.Entry::getKey).min().orElse(-1);
                if (extra >= 0) {
                    m = new Mismatch(a.date(), extra, "the ledger has this entry on " + a.date() + " but the anchor does not: added after the date was anchored");
                }
            }
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    private static Mismatch compare(LocalDate date, long seq, String hash, Map<Long, String> ledger) {
        String now = ledger.get(seq);
        if (now == null) {
            return new Mismatch(date, seq, "anchored with hash " + shortHash(hash) + " but missing from the ledger (deleted)");
        }
        if (!now.equals(hash)) {
            return new Mismatch(date, seq, "anchored with hash " + shortHash(hash) + " but the ledger's entry hashes to " + shortHash(now)
                    + ": rewritten after it was anchored");
        }
        return null;
    }

    private static String shortHash(String h) {
        return h == null ? "null" : h.length() > 12 ? h.substring(0, 12) + "..." : h;
    }

    /** Anchors as files under a directory (local runs and tests): created with CREATE_NEW, never replaced. */
    public static final class FileStore implements Store {
        private final Path root;

        public FileStore(Path root) {
            this.root = root;
        }

        @Override
        public Optional<byte[]> read(String key) {
            Path p = root.resolve(key);
            try {
                return Files.exists(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
            } catch (IOException e) {
                throw JobException.retryable("cannot read " + p + ": " + e.getMessage(), e);
            }
        }

        @Override
        public boolean create(String key, byte[] body) {
            Path p = root.resolve(key);
            try {
                Files.createDirectories(p.getParent());
                Path tmp = Files.createTempFile(p.getParent(), ".head", ".tmp");
                Files.write(tmp, body, StandardOpenOption.TRUNCATE_EXISTING);
                try {
                    Files.createLink(p, tmp); // atomic, fails if the anchor exists: a reader never sees half a file
                    return true;
                } catch (FileAlreadyExistsException exists) {
                    return false;
                } catch (UnsupportedOperationException | IOException noLinks) {
                    try {
                        Files.write(p, body, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                        return true;
                    } catch (FileAlreadyExistsException exists) {
                        return false;
                    }
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                throw JobException.retryable("cannot write " + p + ": " + e.getMessage(), e);
            }
        }

        @Override
        public List<String> keys() {
            if (!Files.isDirectory(root)) {
                return List.of();
            }
            try (Stream<Path> s = Files.walk(root)) {
                return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
                        .filter(k -> !k.contains("/.head")).sorted().toList();
            } catch (IOException e) {
                throw JobException.retryable("cannot list " + root + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String describe(String key) {
            return root.resolve(key).toUri().toString();
        }
    }

    /**
     * Anchors as S3 objects. PutObject with {@code If-None-Match: *} (S3 refuses to replace an existing key:
     * 412), then GetObject only when the key exists; ListObjectsV2 (prefix {@code dt=}) for verify. A SHA-256
     * checksum (S3 wants a checksum or Content-MD5 on uploads to an Object Lock bucket). No encryption
     * headers: the bucket default (SSE-KMS with the environment's key) applies. No retention headers:
     * the bucket's default retention applies. Never deletes.
     */
    public static final class S3Store implements Store {
        private final S3Client s3;
        private final String bucket;
        private final String prefix;

        public S3Store(S3Client s3, String bucket, String path) {
            this.s3 = s3;
            this.bucket = bucket;
            String p = path == null ? "" : path.replaceAll("^/+", "");
            this.prefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
        }

        @Override
        public Optional<byte[]> read(String key) {
            try {
                return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(prefix + key)).asByteArray());
            } catch (NoSuchKeyException e) {
                return Optional.empty();
            } catch (S3Exception e) {
                if (e.statusCode() == 404) {
                    return Optional.empty();
                }
                throw failure("GetObject " + describe(key), e);
            }
        }

        @Override
        public boolean create(String key, byte[] body) {
            try {
                s3.putObject(b -> b.bucket(bucket).key(prefix + key).ifNoneMatch("*").contentType("application/json")
                        .checksumAlgorithm(ChecksumAlgorithm.SHA256), RequestBody.fromBytes(body));
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == 412 || e.statusCode() == 409) { // exists (409: a concurrent conditional write)
                    return false;
                }
                throw failure("PutObject " + describe(key), e);
            }
        }

        @Override
        public List<String> keys() {
            List<String> out = new ArrayList<>();
            try {
                for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + "dt=")).contents()) {
                    out.add(o.key().substring(prefix.length()));
                }
            } catch (S3Exception e) {
                throw failure("ListObjectsV2 s3://" + bucket + "/" + prefix, e);
            }
            return out;
        }

        @Override
        public String describe(String key) {
            return "s3://" + bucket + "/" + prefix + key;
        }

        private static JobException failure(String what, S3Exception e) {
            String code = e.awsErrorDetails() == null ? String.valueOf(e.statusCode()) : e.awsErrorDetails().errorCode();
            if (e.statusCode() >= 500 || e.isThrottlingException()) {
                return JobException.retryable("audit anchor: " + what + " failed (" + code + "): " + e.getMessage(), e);
            }
            return JobException.usage("audit anchor: " + what + " refused (" + code + "): " + e.getMessage());
        }
    }
}
