-- Generated from dags/models/trip_risk.yaml by `mlops spec --athena`; do not edit.
-- Lake tables of model trip_risk. ${lake} = lake root, ${database} = Glue database.

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.raw_trips (
  `trip_id` string,
  `driver_id` string,
  `vehicle_id` string,
  `start_ts` timestamp,
  `end_ts` timestamp,
  `distance_km` double,
  `duration_min` double,
  `avg_speed_kph` double,
  `max_speed_kph` double,
  `harsh_brake_count` int,
  `harsh_accel_count` int,
  `night_share` double,
  `phone_use_min` double,
  `firmware` string
)
COMMENT 'rows of trips as ingested, with the schema of the spec (ingest)'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/raw/trips/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/raw/trips/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.validated_trips (
  `trip_id` string,
  `driver_id` string,
  `vehicle_id` string,
  `start_ts` timestamp,
  `end_ts` timestamp,
  `distance_km` double,
  `duration_min` double,
  `avg_speed_kph` double,
  `max_speed_kph` double,
  `harsh_brake_count` int,
  `harsh_accel_count` int,
  `night_share` double,
  `phone_use_min` double,
  `firmware` string
)
COMMENT 'rows of trips that passed validate: what downstream jobs read'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/validated/trips/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/validated/trips/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.quarantine_trips (
  `trip_id` string,
  `driver_id` string,
  `vehicle_id` string,
  `start_ts` string,
  `end_ts` string,
  `distance_km` string,
  `duration_min` string,
  `avg_speed_kph` string,
  `max_speed_kph` string,
  `harsh_brake_count` string,
  `harsh_accel_count` string,
  `night_share` string,
  `phone_use_min` string,
  `firmware` string,
  `_reasons` array<string> COMMENT 'why the row was rejected',
  `_source_file` string COMMENT 'landing file (ingest)',
  `_raw_record` string COMMENT 'the raw line when it did not parse as a record (ingest)'
)
COMMENT 'rows of trips rejected by ingest (stage=ingest) or validate (stage=validate), values as text'
PARTITIONED BY (dt string, stage string)
STORED AS PARQUET
LOCATION '${lake}/quarantine/trips/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.stage.type' = 'enum',
  'projection.stage.values' = 'ingest,validate',
  'storage.location.template' = '${lake}/quarantine/trips/dt=${dt}/stage=${stage}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.raw_claims (
  `claim_id` string,
  `trip_id` string,
  `driver_id` string,
  `claim_ts` timestamp,
  `amount_eur` double,
  `claim_type` string
)
COMMENT 'rows of claims as ingested, with the schema of the spec (ingest)'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/raw/claims/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/raw/claims/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.validated_claims (
  `claim_id` string,
  `trip_id` string,
  `driver_id` string,
  `claim_ts` timestamp,
  `amount_eur` double,
  `claim_type` string
)
COMMENT 'rows of claims that passed validate: what downstream jobs read'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/validated/claims/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/validated/claims/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.quarantine_claims (
  `claim_id` string,
  `trip_id` string,
  `driver_id` string,
  `claim_ts` string,
  `amount_eur` string,
  `claim_type` string,
  `_reasons` array<string> COMMENT 'why the row was rejected',
  `_source_file` string COMMENT 'landing file (ingest)',
  `_raw_record` string COMMENT 'the raw line when it did not parse as a record (ingest)'
)
COMMENT 'rows of claims rejected by ingest (stage=ingest) or validate (stage=validate), values as text'
PARTITIONED BY (dt string, stage string)
STORED AS PARQUET
LOCATION '${lake}/quarantine/claims/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.stage.type' = 'enum',
  'projection.stage.values' = 'ingest,validate',
  'storage.location.template' = '${lake}/quarantine/claims/dt=${dt}/stage=${stage}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.raw_vehicles (
  `vehicle_no` int,
  `vehicle_id` string,
  `make` string,
  `model` string,
  `year` int,
  `home_zone_id` int,
  `updated_at` timestamp
)
COMMENT 'rows of vehicles as ingested, with the schema of the spec (ingest)'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/raw/vehicles/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/raw/vehicles/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.validated_vehicles (
  `vehicle_no` int,
  `vehicle_id` string,
  `make` string,
  `model` string,
  `year` int,
  `home_zone_id` int,
  `updated_at` timestamp
)
COMMENT 'rows of vehicles that passed validate: what downstream jobs read'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/validated/vehicles/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/validated/vehicles/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.quarantine_vehicles (
  `vehicle_no` string,
  `vehicle_id` string,
  `make` string,
  `model` string,
  `year` string,
  `home_zone_id` string,
  `updated_at` string,
  `_reasons` array<string> COMMENT 'why the row was rejected',
  `_source_file` string COMMENT 'landing file (ingest)',
  `_raw_record` string COMMENT 'the raw line when it did not parse as a record (ingest)'
)
COMMENT 'rows of vehicles rejected by ingest (stage=ingest) or validate (stage=validate), values as text'
PARTITIONED BY (dt string, stage string)
STORED AS PARQUET
LOCATION '${lake}/quarantine/vehicles/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.stage.type' = 'enum',
  'projection.stage.values' = 'ingest,validate',
  'storage.location.template' = '${lake}/quarantine/vehicles/dt=${dt}/stage=${stage}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.raw_drivers (
  `driver_no` int,
  `driver_id` string,
  `birth_year` int,
  `license_years` int,
  `region` string,
  `updated_at` timestamp
)
COMMENT 'rows of drivers as ingested, with the schema of the spec (ingest)'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/raw/drivers/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/raw/drivers/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.validated_drivers (
  `driver_no` int,
  `driver_id` string,
  `birth_year` int,
  `license_years` int,
  `region` string,
  `updated_at` timestamp
)
COMMENT 'rows of drivers that passed validate: what downstream jobs read'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/validated/drivers/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/validated/drivers/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.quarantine_drivers (
  `driver_no` string,
  `driver_id` string,
  `birth_year` string,
  `license_years` string,
  `region` string,
  `updated_at` string,
  `_reasons` array<string> COMMENT 'why the row was rejected',
  `_source_file` string COMMENT 'landing file (ingest)',
  `_raw_record` string COMMENT 'the raw line when it did not parse as a record (ingest)'
)
COMMENT 'rows of drivers rejected by ingest (stage=ingest) or validate (stage=validate), values as text'
PARTITIONED BY (dt string, stage string)
STORED AS PARQUET
LOCATION '${lake}/quarantine/drivers/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.stage.type' = 'enum',
  'projection.stage.values' = 'ingest,validate',
  'storage.location.template' = '${lake}/quarantine/drivers/dt=${dt}/stage=${stage}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.features_trip (
  `trip_id` string COMMENT 'entity key',
  `feature_ts` timestamp COMMENT 'from when the row is known (event time, or the end of its bucket)',
  `distance_km` double,
  `duration_min` double,
  `avg_speed_kph` double,
  `max_speed_kph` double,
  `harsh_brakes_per_100km` double,
  `harsh_accels_per_100km` double,
  `night_share` double,
  `phone_use_share` double,
  `start_hour` double
)
COMMENT 'feature group trip (offline store): rows per trip_id and event'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/features/trip/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/features/trip/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.features_driver_history (
  `driver_id` string COMMENT 'entity key',
  `feature_ts` timestamp COMMENT 'from when the row is known (event time, or the end of its bucket)',
  `trips_7d` bigint,
  `trips_30d` bigint,
  `km_30d` double,
  `harsh_brakes_per_trip_30d` double,
  `night_share_30d` double,
  `max_speed_30d` double,
  `phone_min_per_trip_30d` double
)
COMMENT 'feature group driver_history (offline store): rows per driver_id and event'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/features/driver_history/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/features/driver_history/dt=${dt}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.predictions_trip_risk (
  `prediction_id` string COMMENT 'stable id of (model version, event)',
  `trip_id` string COMMENT 'entity key',
  `driver_id` string COMMENT 'entity key',
  `event_ts` timestamp COMMENT 'the instant scored; labels join on the keys and this',
  `model` string,
  `alias` string COMMENT 'production or candidate when scored (candidate predictions are never served)',
  `score` double COMMENT 'the prediction (probability for classification)',
  `predicted_class` int COMMENT 'class at the threshold (classification; null for regression)',
  `slice_night_driving` string COMMENT 'slice night_driving',
  `scored_at` timestamp
)
COMMENT 'batch predictions of trip_risk (mlops transform), one partition per data date and model version'
PARTITIONED BY (dt string, model_version int)
STORED AS PARQUET
LOCATION '${lake}/predictions/trip_risk/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.model_version.type' = 'integer',
  'projection.model_version.range' = '1,500',
  'storage.location.template' = '${lake}/predictions/trip_risk/dt=${dt}/model_version=${model_version}/'
);
