package dev.mlops.core.spec;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Where a dataset comes from: landing files or a JDBC table. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = FilesSource.class, name = "files"),
        @JsonSubTypes.Type(value = JdbcSource.class, name = "jdbc")})
public sealed interface SourceSpec permits FilesSource, JdbcSource {
}
