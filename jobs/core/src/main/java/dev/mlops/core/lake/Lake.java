package dev.mlops.core.lake;

import static java.util.Objects.requireNonNull;

import dev.mlops.core.JobException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The lake: one root URI ({@code file://} locally, {@code s3://} in AWS, same layout), every
 * table under {@code <area>/<dataset>/dt=YYYY-MM-DD/}. All access goes through Hadoop's
 * FileSystem, so the local and S3 paths run the same code.
 *
 * <p>Writers never write into a published partition: they write a staging directory and
 * {@link #publish publish} it, which swaps it in with two renames and keeps the previous
 * partition as an underscore-prefixed backup without '=' (so Spark, Hive and Athena skip it)
 * until the swap is done. Between the two renames the partition is briefly absent; if the
 * process dies there, the next publish of that partition ({@link #recover}) restores the backup.
 * On S3 a rename is a copy, so a publish there is not atomic (see docs/adr/0003).
 */
public final class Lake {
    public static final String STAGING = "_staging";
    private static final String BACKUP_PREFIX = "_backup_";

    private final Path root;
    private final Configuration conf;

    public Lake(URI root, Configuration conf) {
        requireNonNull(root, "root is null");
        this.conf = requireNonNull(conf, "conf is null");
        String uri = root.toString();
        if (uri.startsWith("s3://")) {
            uri = "s3a://" + uri.substring("s3://".length());
        }
        this.root = new Path(uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri);
    }

    public Path root() {
        return root;
    }

    public Configuration conf() {
        return conf;
    }

    /** {@code <root>/<area>/<table>}. */
    public Path table(String area, String table) {
        return new Path(new Path(root, area), table);
    }

    /** {@code <root>/<area>/<table>/dt=<date>}. */
    public Path partition(String area, String table, LocalDate date) {
        return new Path(table(area, table), partitionName(date));
    }

    /** A sub-partition {@code <root>/<area>/<table>/dt=<date>/<key>=<value>} (e.g. quarantine's stage). */
    public Path partition(String area, String table, LocalDate date, String key, String value) {
        return new Path(partition(area, table, date), key + "=" + value);
    }

    /** A path under the root from plain segments. */
    public Path path(String... segments) {
        Path p = root;
        for (String s : segments) {
            p = new Path(p, s);
        }
        return p;
    }

    public static String partitionName(LocalDate date) {
        return "dt=" + date;
    }

    /** A staging directory private to one run (job instance) of an identity. */
    public Path staging(String job, String model, LocalDate date, long runKey) {
        return new Path(new Path(new Path(new Path(new Path(root, STAGING), job), model), date.toString()), Long.toString(runKey));
    }

    /** The staging directories of an identity (all run keys). */
    public Path stagingParent(String job, String model, LocalDate date) {
        return new Path(new Path(new Path(new Path(root, STAGING), job), model), date.toString());
    }

    public FileSystem fs(Path path) {
        try {
            return path.getFileSystem(conf);
        } catch (IOException e) {
            throw JobException.retryable("cannot open file system for " + path + ": " + e.getMessage(), e);
        }
    }

    public boolean exists(Path path) {
        try {
            return fs(path).exists(path);
        } catch (IOException e) {
            throw io("check " + path, e);
        }
    }

    public void delete(Path path) {
        try {
            FileSystem fs = fs(path);
            if (fs.exists(path) && !fs.delete(path, true)) {
                throw new IOException("delete returned false");
            }
        } catch (IOException e) {
            throw io("delete " + path, e);
        }
    }

    /** Deletes a directory if it has no entries (tidying staging parents); returns whether it did. */
    public boolean deleteIfEmpty(Path dir) {
        try {
            FileSystem fs = fs(dir);
            return fs.exists(dir) && fs.listStatus(dir).length == 0 && fs.delete(dir, false);
        } catch (IOException e) {
            return false;
        }
    }

    public void mkdirs(Path path) {
        try {
            fs(path).mkdirs(path);
        } catch (IOException e) {
            throw io("create " + path, e);
        }
    }

    /**
     * Replaces {@code target} with {@code staged}: old partition aside, new one in, old one
     * deleted. If the process dies between the two renames, {@link #recover} (called by the
     * next publish of that partition) brings the old one back.
     */
    public void publish(Path staged, Path target) {
        Path backup = backupOf(target);
        try {
            FileSystem fs = fs(target);
            if (!fs.exists(staged)) {
                throw new IOException("staged output " + staged + " does not exist");
            }
            recover(target);
            if (fs.exists(backup)) {
                fs.delete(backup, true);
            }
            fs.mkdirs(target.getParent());
            boolean hadOld = fs.exists(target);
            if (hadOld && !fs.rename(target, backup)) {
                throw new IOException("could not move " + target + " aside");
            }
            if (!fs.rename(staged, target)) {
                if (hadOld) {
                    fs.rename(backup, target);
                }
                throw new IOException("could not move " + staged + " to " + target);
            }
            if (hadOld) {
                fs.delete(backup, true);
            }
        } catch (IOException e) {
            throw io("publish " + target, e);
        }
    }

    /**
     * Publishes a staged directory with its manifest. Idempotent for a restarted run: if the
     * staged directory is gone because an earlier attempt of the same run (job instance)
     * already swapped it in, the target's manifest names that run and there is nothing to do.
     */
    public void publishOnce(Path staged, Path target, Manifest manifest) {
        long run = manifest.run().jobInstanceId();
        if (!exists(staged)) {
            recover(target);
            if (publishedBy(target) == run) {
                return;
            }
            throw JobException.retryable("staged output " + staged + " is missing and " + target
                    + " was not published by this run; run the date again to recompute it", null);
        }
        writeText(Manifest.pathIn(staged), manifest.toJson());
        publish(staged, target);
    }

    /** The job instance that published a partition (from its manifest), or -1. */
    public long publishedBy(Path partition) {
        return readText(Manifest.pathIn(partition)).map(Manifest::fromJson).map(m -> m.run().jobInstanceId()).orElse(-1L);
    }

    /**
     * Removes a run's staging directory and the parents it leaves empty, up to the model's: {@code _staging/<job>/} stays.
     * On S3 removing a directory's last child makes S3A put a marker for its parent, and a job may write only under
     * its own {@code _staging/<job>/} (terraform/modules/job_policies): a marker at {@code _staging/} would be denied.
     */
    public void cleanStaging(String job, String model, LocalDate date, long runKey) {
        delete(staging(job, model, date, runKey));
        Path parent = stagingParent(job, model, date);
        for (int up = 0; up < 2 && deleteIfEmpty(parent); up++) {
            parent = parent.getParent();
        }
    }

    /** Restores the previous version of a partition if a publish died between its two renames. */
    public boolean recover(Path target) {
        Path backup = backupOf(target);
        try {
            FileSystem fs = fs(target);
            if (!fs.exists(target) && fs.exists(backup)) {
                if (!fs.rename(backup, target)) {
                    throw new IOException("could not restore " + backup);
                }
                return true;
            }
            return false;
        } catch (IOException e) {
            throw io("recover " + target, e);
        }
    }

    /** {@code _backup_dt_2024-03-01}: underscore-prefixed and without '=', so Spark, Hive and Athena skip it. */
    static Path backupOf(Path target) {
        return new Path(target.getParent(), BACKUP_PREFIX + target.getName().replace('=', '_'));
    }

    /** Published partition dates of a table, sorted. */
    public List<LocalDate> partitions(String area, String table) {
        Path dir = table(area, table);
        List<LocalDate> out = new ArrayList<>();
        try {
            FileSystem fs = fs(dir);
            if (!fs.exists(dir)) {
                return out;
            }
            for (FileStatus st : fs.listStatus(dir)) {
                String name = st.getPath().getName();
                if (st.isDirectory() && name.startsWith("dt=")) {
                    try {
                        out.add(LocalDate.parse(name.substring(3)));
                    } catch (DateTimeParseException ignored) {
                        // not ours
                    }
                }
            }
        } catch (IOException e) {
            throw io("list " + dir, e);
        }
        out.sort(null);
        return out;
    }

    /** Files (not directories) directly in a directory, sorted by name. */
    public List<FileStatus> listFiles(Path dir) {
        try {
            FileSystem fs = fs(dir);
            if (!fs.exists(dir)) {
                return List.of();
            }
            List<FileStatus> files = new ArrayList<>();
            for (FileStatus st : fs.listStatus(dir)) {
                if (st.isFile()) {
                    files.add(st);
                }
            }
            files.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
            return files;
        } catch (IOException e) {
            throw io("list " + dir, e);
        }
    }

    public Optional<String> readText(Path path) {
        try {
            FileSystem fs = fs(path);
            if (!fs.exists(path)) {
                return Optional.empty();
            }
            try (InputStream in = fs.open(path)) {
                return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw io("read " + path, e);
        }
    }

    /** Writes a small file: to a temporary name first, then renamed into place. */
    public void writeText(Path path, String text) {
        Path tmp = new Path(path.getParent(), "_tmp." + path.getName());
        try {
            FileSystem fs = fs(path);
            try (OutputStream out = fs.create(tmp, true)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            if (fs.exists(path)) {
                fs.delete(path, false);
            }
            if (!fs.rename(tmp, path)) {
                throw new IOException("rename of " + tmp + " failed");
            }
        } catch (IOException e) {
            throw io("write " + path, e);
        }
    }

    private static JobException io(String what, IOException e) {
        return JobException.retryable("lake: cannot " + what + ": " + e.getMessage(), e);
    }
}
