package dev.mlops.features;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.json.Json;
import dev.mlops.core.spec.FeatureGroupSpec;
import dev.mlops.core.spec.LoadedSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@code mlops features get}: an entity's online values. */
@Command(name = "get", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Print an entity's values from the online store as JSON: the features, the feature time and",
            "the expiry. An item whose TTL has passed is absent (exit 100), even before DynamoDB deletes it."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:printed", "2:bad usage (unknown model or group)", "100:no live value for the entity"})
public final class FeaturesGetCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name")
    String model;

    @Option(names = "--group", required = true, paramLabel = "NAME", description = "feature group")
    String group;

    @Option(names = "--entity", required = true, paramLabel = "ID", description = "entity key value, e.g. 7 or D00042")
    String entity;

    @Option(names = "--now", paramLabel = "INSTANT", description = "judge the TTL at this instant instead of the clock")
    Instant now;

    private java.util.function.Function<Platform, OnlineStore> onlineStores = OnlineStores::open;

    /** Test hook: how the online store is opened. */
    public void onlineStores(java.util.function.Function<Platform, OnlineStore> factory) {
        this.onlineStores = factory;
    }

    @Override
    protected int run(Platform platform) {
        LoadedSpec spec = platform.specs().load(model);
        FeatureGroupSpec g = spec.spec().featureGroup(group);
        if (!g.online()) {
            throw JobException.usage("feature group '" + group + "' of " + model + " is offline only (online: false)");
        }
        String table = OnlineStore.tableName(platform.config().dynamodbTablePrefix(), model, group);
        try (OnlineStore store = onlineStores.apply(platform)) {
            Optional<Map<String, AttributeValue>> item = store.get(table, entity, now == null ? Instant.now() : now);
            if (item.isEmpty()) {
                err().println("no live value for " + g.entity() + "=" + entity + " in " + table);
                return dev.mlops.core.ExitCode.NOTHING_TO_DO.code();
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("table", table);
            out.put(g.entity(), entity);
            Map<String, AttributeValue> v = item.get();
            AttributeValue ts = v.get(OnlineStore.EVENT_TS);
            out.put("feature_ts", ts == null || ts.n() == null ? null : Instant.EPOCH.plus(Long.parseLong(ts.n()), java.time.temporal.ChronoUnit.MICROS).toString());
            AttributeValue exp = v.get(OnlineStore.EXPIRES_AT);
            out.put("expires_at", exp == null || exp.n() == null ? null : Instant.ofEpochSecond(Long.parseLong(exp.n())).toString());
            Map<String, Object> features = new LinkedHashMap<>();
            for (String f : g.featureNames()) {
                AttributeValue a = v.get(f);
                features.put(f, a == null ? null : a.n() != null ? Double.valueOf(a.n()) : a.bool() != null ? a.bool() : a.s());
            }
            out.put("features", features);
            out().println(Json.writePretty(out));
            return 0;
        }
    }
}
