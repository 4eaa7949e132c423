package dev.mlops.core.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mlops.core.json.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One entry of the audit ledger ({@code audit_log}). {@code hash} is the SHA-256 (hex) of
 * {@link #canonical()}: the JSON of every field but {@code seq} and {@code hash} (so including
 * {@code prev_hash}, which chains it to its predecessor), with sorted keys, {@code at} in UTC with
 * exactly six fractional digits (PostgreSQL's precision) and numbers in plain decimal form without
 * trailing zeros, so an entry read back from the database (or the lake export) hashes the same.
 */
public record AuditEntry(long seq, Instant at, String model, Integer version, String action, String actor, String runId,
                         String decision, List<String> reasons, Map<String, Object> evidence, String prevHash, String hash) {
    /** The prev_hash of the first entry. */
    public static final String GENESIS = "0".repeat(64);

    // actions; a production alias moving is decision "production" whatever the action
    public static final String VALIDATE = "validate";
    public static final String REGISTER = "register";
    public static final String APPROVE = "approve";
    public static final String REJECT = "reject";
    public static final String STATUS = "status";
    public static final String PROMOTE = "promote";
    public static final String ROLLBACK = "rollback";
    public static final String ALIAS = "alias";
    public static final String SHADOW = "shadow";
    public static final String QUALITY = "quality";
    public static final String RETRAIN = "retrain";
    public static final String OVERRIDE = "override";
    /** The decision of an entry that made its version the production one. */
    public static final String PRODUCTION = "production";

    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    public AuditEntry {
        at = at.truncatedTo(ChronoUnit.MICROS);
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        evidence = evidence == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(evidence));
    }

    /** The text the hash is computed over. */
    public String canonical() {
        Map<String, Object> m = new TreeMap<>();
        m.put("at", AT.format(at));
        m.put("model", model);
        m.put("version", version);
        m.put("action", action);
        m.put("actor", actor);
        m.put("run_id", runId);
        m.put("decision", decision);
        m.put("reasons", reasons);
        m.put("evidence", normalize(evidence));
        m.put("prev_hash", prevHash);
        return write(m);
    }

    /** What {@link #hash} must be: the SHA-256 of {@link #canonical()}. */
    public String computeHash() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the stored hash matches the content. */
    public boolean intact() {
        return computeHash().equals(hash);
    }

    /** The entry with its seq, predecessor and hash set. */
    AuditEntry chained(long seq, String prevHash) {
        AuditEntry e = new AuditEntry(seq, at, model, version, action, actor, runId, decision, reasons, evidence, prevHash, null);
        return new AuditEntry(seq, at, model, version, action, actor, runId, decision, reasons, evidence, prevHash, e.computeHash());
    }

    /**
     * Evidence as the ledger stores it: any value the platform's JSON can write (maps, lists,
     * records, dates, numbers), turned into sorted maps, lists, strings, booleans and exact numbers.
     */
    static Map<String, Object> canonicalEvidence(Object evidence) {
        return fromJson(evidence == null ? "{}" : Json.write(evidence));
    }

    /** Evidence from its stored JSON (jsonb text, or the export's string column). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> fromJson(String json) {
        try {
            Object v = normalize(CANONICAL.readValue(json, Object.class));
            if (!(v instanceof Map)) {
                throw new IllegalArgumentException("audit evidence must be a JSON object, got: " + json);
            }
            return (Map<String, Object>) v;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit evidence is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Evidence as canonical JSON (what the jsonb column is given). */
    public String evidenceJson() {
        return write(normalize(evidence));
    }

    private static Object normalize(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), normalize(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(x -> out.add(normalize(x)));
            return out;
        }
        if (v instanceof BigDecimal d) {
            BigDecimal s = d.stripTrailingZeros();
            return s.scale() <= 0 ? s.toBigIntegerExact() : s;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? normalize(new BigDecimal(v.toString())) : v.toString();
        }
        if (v instanceof Number n && !(v instanceof BigInteger)) {
            return BigInteger.valueOf(n.longValue());
        }
        return v;
    }

    private static String write(Object v) {
        try {
            return CANONICAL.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize an audit entry: " + e.getOriginalMessage(), e);
        }
    }
}
