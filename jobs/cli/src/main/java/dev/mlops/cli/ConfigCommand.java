package dev.mlops.cli;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.GlobalOptions;
import dev.mlops.core.config.ConfigKey;
import dev.mlops.core.config.PlatformConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mlops config}: the effective configuration and where each value came from. */
@Command(name = "config", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Print the effective configuration and the origin of each value",
            "(precedence: defaults < config file < MLOPS_* environment variables < --env/--set flags)."})
public final class ConfigCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global = new GlobalOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PlatformConfig c = global.load();
        PrintWriter out = spec.commandLine().getOut();
        line(out, c, "env", c.env().configName());
        line(out, c, "home", c.home().toString());
        line(out, c, "specs.dir", c.specsDir().toString());
        line(out, c, "lake.uri", c.lakeUri().toString());
        line(out, c, "landing.uri", c.landingUri().toString());
        line(out, c, "metadata.jdbc_url", c.metadata().map(Object::toString).orElse("(embedded PostgreSQL under " + c.home().resolve("postgres") + ")"));
        line(out, c, "postgres.port", c.embeddedPostgres() ? (c.postgresPort() == 0 ? "0 (any free port)" : Integer.toString(c.postgresPort())) : "(not used)");
        c.connections().forEach((name, t) -> line(out, c, "connections." + name + ".jdbc_url", t.toString()));
        line(out, c, "spark.master", c.sparkMaster());
        c.sparkConf().forEach((k, v) -> line(out, c, "spark.conf." + k, v));
        line(out, c, "aws.region", c.awsRegion().orElse(""));
        line(out, c, "dynamodb.endpoint", c.dynamodbEndpoint().map(Object::toString).orElse(""));
        line(out, c, "sagemaker.role_arn", c.sagemakerRoleArn().orElse(""));
        line(out, c, "sagemaker.endpoint", c.sagemakerEndpoint().map(Object::toString).orElse(""));
        line(out, c, "metrics.pushgateway_url", c.pushgatewayUrl().map(Object::toString).orElse(""));
        line(out, c, "result.path", c.resultPath().map(Object::toString).orElse(""));
        line(out, c, "run.id", c.runId().orElse(""));
        return 0;
    }

    private static void line(PrintWriter out, PlatformConfig c, String key, String value) {
        String origin = c.origins().getOrDefault(key, "default");
        ConfigKey k = ConfigKey.byKey(key);
        out.printf("%-26s %-60s (%s%s)%n", key, value, origin, k == null ? "" : ", " + k.envVar());
    }
}
