package dev.mlops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlops.core.testing.SageMakerStandIn;
import dev.mlops.train.LocalXgboost;
import dev.mlops.train.Matrix;
import dev.mlops.train.TrainJob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What SageMaker's built-in XGBoost containers do with a job the rehearsal's train and transform pods create, so the
 * pods find the outputs they wait for: a training job trains XGBoost4J on its train and validation channels (text/csv,
 * label first, as the algorithm reads them) with the job's hyperparameters and writes {@code model.tar.gz} where
 * SageMaker would; a transform job scores each input object (the id dropped by {@code InputFilter $[1:]}, joined back by
 * {@code JoinSource Input} and {@code OutputFilter $[0,-1]}) and writes {@code <object>.out}. They act as SageMaker's
 * execution role, with their own S3 client, so their calls are not counted as the pods'.
 */
final class SageMakerContainers {
    private final SageMakerStandIn sagemaker;
    private final Supplier<S3Client> s3;

    SageMakerContainers(SageMakerStandIn sagemaker, Supplier<S3Client> s3) {
        this.sagemaker = sagemaker;
        this.s3 = s3;
    }

    /** Installs the containers as the stand-in's completion hooks. */
    void install() {
        sagemaker.onComplete(call -> {
            try {
                switch (call.operation()) {
                    case "CreateTrainingJob" -> train(call.body());
                    case "CreateTransformJob" -> transform(call.body());
                    default -> { }
                }
            } catch (IOException | LinkageError e) {
                // the stand-in answers a RuntimeException with a 500 the job reports, instead of dropping the connection
                throw new IllegalStateException("the rehearsal's SageMaker container for " + call.operation() + ": " + e, e);
            }
        });
    }

    private void train(JsonNode job) throws IOException {
        Map<String, Matrix> channels = new LinkedHashMap<>();
        for (JsonNode ch : job.path("InputDataConfig")) {
            channels.put(ch.path("ChannelName").asText(), matrix(csvRows(ch.path("DataSource").path("S3DataSource").path("S3Uri").asText()), true));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        job.path("HyperParameters").fields().forEachRemaining(e -> params.put(e.getKey(), number(e.getValue().asText())));
        byte[] model = LocalXgboost.train(channels.get("train"), channels.getOrDefault("validation", channels.get("train")), params).model();
        S3Uri out = S3Uri.of(SageMakerStandIn.modelArtifacts(job));
        try (S3Client c = s3.get()) {
            c.putObject(b -> b.bucket(out.bucket()).key(out.key()), RequestBody.fromBytes(TrainJob.tarGz(TrainJob.MODEL_FILE, model)));
        }
    }

    private void transform(JsonNode job) throws IOException {
        String modelName = job.path("ModelName").asText();
        String modelData = sagemaker.calls("CreateModel").stream().map(SageMakerStandIn.Call::body)
                .filter(b -> b.path("ModelName").asText().equals(modelName)).findFirst().orElseThrow()
                .path("PrimaryContainer").path("ModelDataUrl").asText();
        S3Uri in = S3Uri.of(job.path("TransformInput").path("DataSource").path("S3DataSource").path("S3Uri").asText());
        S3Uri out = S3Uri.of(job.path("TransformOutput").path("S3OutputPath").asText());
        try (S3Client c = s3.get()) {
            S3Uri m = S3Uri.of(modelData);
            byte[] booster = untar(c.getObjectAsBytes(b -> b.bucket(m.bucket()).key(m.key())).asByteArray());
            for (var o : c.listObjectsV2(b -> b.bucket(in.bucket()).prefix(in.key())).contents()) {
                String csv = c.getObjectAsBytes(b -> b.bucket(in.bucket()).key(o.key())).asString(StandardCharsets.UTF_8);
                List<String> ids = new ArrayList<>();
                List<String[]> rows = new ArrayList<>();
                for (String line : csv.split("\n")) {
                    if (!line.isBlank()) {
                        String[] f = line.split(",", -1);
                        ids.add(f[0]);
                        rows.add(java.util.Arrays.copyOfRange(f, 1, f.length));
                    }
                }
                StringBuilder result = new StringBuilder();
                if (!rows.isEmpty()) {
                    float[] p = LocalXgboost.predict(booster, matrix(rows, false));
                    for (int i = 0; i < p.length; i++) {
                        result.append(ids.get(i)).append(',').append(p[i]).append('\n');
                    }
                }
                String name = o.key().substring(o.key().lastIndexOf('/') + 1);
                String key = (out.key().endsWith("/") ? out.key() : out.key() + "/") + name + ".out";
                c.putObject(b -> b.bucket(out.bucket()).key(key), RequestBody.fromString(result.toString()));
            }
        }
    }

    /** Every CSV line of the objects under an S3 prefix, split on commas. */
    private List<String[]> csvRows(String prefixUri) {
        S3Uri p = S3Uri.of(prefixUri);
        List<String[]> rows = new ArrayList<>();
        try (S3Client c = s3.get()) {
            for (var o : c.listObjectsV2(b -> b.bucket(p.bucket()).prefix(p.key())).contents()) {
                for (String line : c.getObjectAsBytes(b -> b.bucket(p.bucket()).key(o.key())).asString(StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank()) {
                        rows.add(line.split(",", -1));
                    }
                }
            }
        }
        return rows;
    }

    /** A matrix of CSV rows; with {@code labelFirst} the first column is the label (empty cells are missing values). */
    private static Matrix matrix(List<String[]> rows, boolean labelFirst) {
        if (rows.isEmpty()) {
            throw new IllegalStateException("a SageMaker channel with no rows");
        }
        int skip = labelFirst ? 1 : 0;
        int k = rows.get(0).length - skip;
        float[] values = new float[rows.size() * k];
        float[] labels = new float[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            String[] f = rows.get(i);
            labels[i] = labelFirst ? Float.parseFloat(f[0]) : 0f;
            for (int j = 0; j < k; j++) {
                String v = f[j + skip];
                values[i * k + j] = v.isEmpty() ? Float.NaN : Float.parseFloat(v);
            }
        }
        return new Matrix(values, rows.size(), k, labels);
    }

    private static Object number(String v) {
        try {
            return v.contains(".") || v.contains("e") ? (Object) Double.parseDouble(v) : (Object) Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return v;
        }
    }

    private static byte[] untar(byte[] tarGz) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(tarGz)))) {
            tar.getNextEntry();
            return tar.readAllBytes();
        }
    }

    /** s3://bucket/key. */
    record S3Uri(String bucket, String key) {
        static S3Uri of(String uri) {
            String rest = uri.replaceFirst("^s3a?://", "");
            int slash = rest.indexOf('/');
            return slash < 0 ? new S3Uri(rest, "") : new S3Uri(rest.substring(0, slash), rest.substring(slash + 1));
        }
    }
}
