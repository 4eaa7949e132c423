-- Generated from dags/models/zone_demand.yaml by `mlops spec --athena`; do not edit.
-- Lake tables of model zone_demand. ${lake} = lake root, ${database} = Glue database.

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.raw_rentals (
  `rental_id` string,
  `zone_id` int,
  `vehicle_id` string,
  `start_ts` timestamp,
  `end_ts` timestamp,
  `duration_min` double,
  `distance_km` double,
  `price_eur` double,
  `customer_segment` string
)
COMMENT 'rows of rentals as ingested, with the schema of the spec (ingest)'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/raw/rentals/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/raw/rentals/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.validated_rentals (
  `rental_id` string,
  `zone_id` int,
  `vehicle_id` string,
  `start_ts` timestamp,
  `end_ts` timestamp,
  `duration_min` double,
  `distance_km` double,
  `price_eur` double,
  `customer_segment` string
)
COMMENT 'rows of rentals that passed validate: what downstream jobs read'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/validated/rentals/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/validated/rentals/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.quarantine_rentals (
  `rental_id` string,
  `zone_id` string,
  `vehicle_id` string,
  `start_ts` string,
  `end_ts` string,
  `duration_min` string,
  `distance_km` string,
  `price_eur` string,
  `customer_segment` string,
  `_reasons` array<string> COMMENT 'why the row was rejected',
  `_source_file` string COMMENT 'landing file (ingest)',
  `_raw_record` string COMMENT 'the raw line when it did not parse as a record (ingest)'
)
COMMENT 'rows of rentals rejected by ingest (stage=ingest) or validate (stage=validate), values as text'
PARTITIONED BY (dt string, stage string)
STORED AS PARQUET
LOCATION '${lake}/quarantine/rentals/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.stage.type' = 'enum',
  'projection.stage.values' = 'ingest,validate',
  'storage.location.template' = '${lake}/quarantine/rentals/dt=${dt}/stage=${stage}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.raw_weather (
  `city` string,
  `observed_at` timestamp,
  `temp_c` double,
  `precip_mm` double,
  `wind_kph` double
)
COMMENT 'rows of weather as ingested, with the schema of the spec (ingest)'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/raw/weather/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/raw/weather/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.validated_weather (
  `city` string,
  `observed_at` timestamp,
  `temp_c` double,
  `precip_mm` double,
  `wind_kph` double
)
COMMENT 'rows of weather that passed validate: what downstream jobs read'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/validated/weather/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/validated/weather/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.quarantine_weather (
  `city` string,
  `observed_at` string,
  `temp_c` string,
  `precip_mm` string,
  `wind_kph` string,
  `_reasons` array<string> COMMENT 'why the row was rejected',
  `_source_file` string COMMENT 'landing file (ingest)',
  `_raw_record` string COMMENT 'the raw line when it did not parse as a record (ingest)'
)
COMMENT 'rows of weather rejected by ingest (stage=ingest) or validate (stage=validate), values as text'
PARTITIONED BY (dt string, stage string)
STORED AS PARQUET
LOCATION '${lake}/quarantine/weather/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.stage.type' = 'enum',
  'projection.stage.values' = 'ingest,validate',
  'storage.location.template' = '${lake}/quarantine/weather/dt=${dt}/stage=${stage}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.raw_events (
  `event_id` string,
  `zone_id` int,
  `starts_at` timestamp,
  `ends_at` timestamp,
  `category` string,
  `expected_attendance` int
)
COMMENT 'rows of events as ingested, with the schema of the spec (ingest)'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/raw/events/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/raw/events/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.validated_events (
  `event_id` string,
  `zone_id` int,
  `starts_at` timestamp,
  `ends_at` timestamp,
  `category` string,
  `expected_attendance` int
)
COMMENT 'rows of events that passed validate: what downstream jobs read'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/validated/events/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/validated/events/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.quarantine_events (
  `event_id` string,
  `zone_id` string,
  `starts_at` string,
  `ends_at` string,
  `category` string,
  `expected_attendance` string,
  `_reasons` array<string> COMMENT 'why the row was rejected',
  `_source_file` string COMMENT 'landing file (ingest)',
  `_raw_record` string COMMENT 'the raw line when it did not parse as a record (ingest)'
)
COMMENT 'rows of events rejected by ingest (stage=ingest) or validate (stage=validate), values as text'
PARTITIONED BY (dt string, stage string)
STORED AS PARQUET
LOCATION '${lake}/quarantine/events/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.stage.type' = 'enum',
  'projection.stage.values' = 'ingest,validate',
  'storage.location.template' = '${lake}/quarantine/events/dt=${dt}/stage=${stage}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.raw_zones (
  `zone_id` int,
  `name` string,
  `city` string,
  `lat` double,
  `lon` double,
  `parking_spots` int,
  `updated_at` timestamp
)
COMMENT 'rows of zones as ingested, with the schema of the spec (ingest)'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/raw/zones/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/raw/zones/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.validated_zones (
  `zone_id` int,
  `name` string,
  `city` string,
  `lat` double,
  `lon` double,
  `parking_spots` int,
  `updated_at` timestamp
)
COMMENT 'rows of zones that passed validate: what downstream jobs read'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/validated/zones/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/validated/zones/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.quarantine_zones (
  `zone_id` string,
  `name` string,
  `city` string,
  `lat` string,
  `lon` string,
  `parking_spots` string,
  `updated_at` string,
  `_reasons` array<string> COMMENT 'why the row was rejected',
  `_source_file` string COMMENT 'landing file (ingest)',
  `_raw_record` string COMMENT 'the raw line when it did not parse as a record (ingest)'
)
COMMENT 'rows of zones rejected by ingest (stage=ingest) or validate (stage=validate), values as text'
PARTITIONED BY (dt string, stage string)
STORED AS PARQUET
LOCATION '${lake}/quarantine/zones/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.stage.type' = 'enum',
  'projection.stage.values' = 'ingest,validate',
  'storage.location.template' = '${lake}/quarantine/zones/dt=${dt}/stage=${stage}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.features_zone_activity (
  `zone_id` int COMMENT 'entity key',
  `feature_ts` timestamp COMMENT 'from when the row is known (event time, or the end of its bucket)',
  `rentals_1h` bigint,
  `rentals_3h` bigint,
  `rentals_24h` bigint,
  `rentals_7d` bigint,
  `rentals_same_hour_1d_ago` bigint COMMENT 'the hour a day before the predicted one',
  `rentals_same_hour_7d_ago` bigint COMMENT 'the hour a week before the predicted one',
  `mean_duration_24h` double,
  `mean_price_24h` double,
  `max_distance_24h` double,
  `business_share_7d` double
)
COMMENT 'feature group zone_activity (offline store): rows per zone_id and 1h'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/features/zone_activity/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/features/zone_activity/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.predictions_zone_demand (
  `prediction_id` string COMMENT 'stable id of (model version, event)',
  `zone_id` int COMMENT 'entity key',
  `event_ts` timestamp COMMENT 'the instant scored; labels join on the keys and this',
  `model` string,
  `alias` string COMMENT 'production or candidate when scored (candidate predictions are never served)',
  `score` double COMMENT 'the prediction (probability for classification)',
  `predicted_class` int COMMENT 'class at the threshold (classification; null for regression)',
  `slice_time_of_day` string COMMENT 'slice time_of_day',
  `scored_at` timestamp
)
COMMENT 'batch predictions of zone_demand (mlops transform), one partition per data date and model version'
PARTITIONED BY (dt string, model_version int)
STORED AS PARQUET
LOCATION '${lake}/predictions/zone_demand/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.model_version.type' = 'integer',
  'projection.model_version.range' = '1,500',
  'storage.location.template' = '${lake}/predictions/zone_demand/dt=${dt}/model_version=${model_version}/'
);
