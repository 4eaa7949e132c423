/**
 * Seeded synthetic upstream data for the zone_demand and trip_risk models: landing files (CSV, JSON lines, gzip) and
 * the reference tables of the "ops" PostgreSQL database. Entry point: {@link dev.mlops.datagen.DataGenerator}.
 *
 * <p>Everything is deterministic: entities derive from the seed, every day's data from streams keyed by
 * (seed, dataset, date), so a date's files are byte-identical whatever range they are generated in.
 */
package dev.mlops.datagen;
