package dev.mlops.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.testing.S3MockServer;
import dev.mlops.core.testing.TestEnvironment;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The audit anchor on s3:// against an S3 API server (S3Mock): the AWS SDK's S3 client, written once, read back, tampering found. */
class AuditAnchorS3Test {
    static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
    static S3MockServer server;
    static S3Client s3;

    @TempDir
    Path home;
    TestEnvironment.TestPlatform test;

    @BeforeAll
    static void startS3() throws Exception {
        server = S3MockServer.start();
        s3 = S3Client.builder().endpointOverride(URI.create(server.endpoint())).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
        s3.createBucket(b -> b.bucket("audit"));
    }

    @AfterAll
    static void stopS3() {
        s3.close();
        server.close();
    }

    @BeforeEach
    void setUp() {
        test = TestEnvironment.platform(home);
    }

    @AfterEach
    void tearDown() {
        test.close();
    }

    @Test
    void anchorsOnS3OnceAndFindsARewrittenLedger() throws Exception {
        AuditLedger ledger = new AuditLedger(test.metadata());
        for (int i = 0; i < 3; i++) {
            ledger.append(new AuditLedger.NewEntry("zone_demand", 1, AuditEntry.APPROVE, Actor.person("ana"), "Approved", List.of("r" + i), Map.of()));
        }
        String prefix = "s3-" + System.nanoTime();
        AuditAnchor.Store store = AuditAnchor.store(URI.create("s3://audit/" + prefix + "/"), () -> s3);
        AuditAnchor anchor = new AuditAnchor(test.metadata(), store,
                Clock.fixed(TODAY.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC), ZoneOffset.UTC));

        AuditAnchor.Anchored a = anchor.anchor(TODAY);

        assertThat(a.written()).isTrue();
        assertThat(a.location()).isEqualTo("s3://audit/" + prefix + "/dt=" + TODAY + "/head.json");
        String body = s3.getObjectAsBytes(b -> b.bucket("audit").key(prefix + "/dt=" + TODAY + "/head.json")).asString(StandardCharsets.UTF_8);
        assertThat(body).contains("\"seq\" : 3");
        assertThat(anchor.anchors()).extracting(AuditAnchor.Head::seq).containsExactly(3L);
        assertThat(anchor.check()).isEmpty();
        // a re-run: identical, nothing written
        assertThat(anchor.anchor(TODAY).written()).isFalse();
        // S3 itself refuses to replace the anchor (If-None-Match: *)
        assertThat(store.create("dt=" + TODAY + "/head.json", "{}".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(s3.getObjectAsBytes(b -> b.bucket("audit").key(prefix + "/dt=" + TODAY + "/head.json")).asString(StandardCharsets.UTF_8))
                .isEqualTo(body);

        // the ledger's tail removed: the anchor on S3 names it
        AuditAnchorTest.tamper(test.metadata(), "DELETE FROM audit_log WHERE seq = 3");
        assertThat(ledger.verify().ok()).isTrue();
        assertThat(anchor.check()).singleElement().satisfies(m -> {
            assertThat(m.seq()).isEqualTo(3);
            assertThat(m.date()).isEqualTo(TODAY);
        });
        ledger.append(new AuditLedger.NewEntry("zone_demand", 1, AuditEntry.APPROVE, Actor.person("eve"), "Approved", List.of("x"), Map.of()));
        assertThatThrownBy(() -> anchor.anchor(TODAY)).isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).exitCode()).isEqualTo(ExitCode.DATA_CONTRACT))
                .hasMessageContaining("already holds a different anchor");
    }
}
