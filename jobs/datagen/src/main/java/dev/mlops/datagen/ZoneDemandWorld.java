package dev.mlops.datagen;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The car-sharing city simulation behind the zone_demand datasets: zones (from the seed), hourly weather per city,
 * public events, and rentals per zone-hour drawn from Poisson(popularity x hour profile x day of week x weather x events).
 * Every day is drawn from its own streams keyed by (seed, dataset, date).
 */
final class ZoneDemandWorld {

    static final List<String> RENTAL_COLUMNS = List.of("rental_id", "zone_id", "vehicle_id", "start_ts", "end_ts",
            "duration_min", "distance_km", "price_eur", "customer_segment");
    static final List<String> WEATHER_COLUMNS = List.of("city", "observed_at", "temp_c", "precip_mm", "wind_kph");
    static final List<String> EVENT_COLUMNS = List.of("event_id", "zone_id", "starts_at", "ends_at", "category",
            "expected_attendance");

    static final String[] CITIES = {"Berlin", "Hamburg"};
    private static final String[][] DISTRICTS = {
            {"Mitte", "Kreuzberg", "Prenzlauer Berg", "Friedrichshain", "Charlottenburg", "Neukoelln", "Schoeneberg",
                    "Wedding", "Moabit", "Pankow", "Steglitz", "Tempelhof", "Lichtenberg", "Spandau"},
            {"Altona", "St. Pauli", "Eimsbuettel", "Winterhude", "Barmbek", "Eppendorf", "HafenCity", "Ottensen",
                    "St. Georg", "Wandsbek", "Harburg", "Bergedorf"}};
    private static final double[][] CITY_CENTER = {{52.520, 13.405}, {53.551, 9.994}};
    static final String[] SEGMENTS = {"commuter", "leisure", "business", "tourist"};
    static final String[] CATEGORIES = {"concert", "football", "fair", "festival"};

    /** Mean rentals per zone-hour before the multiplicative factors (tuned to ~2,500 rentals a day for 20 zones). */
    private static final double BASE_RATE = 5.3;

    /** A zone with its seed-derived traits; {@code parkingSpots} is the initial (created) value. */
    record Zone(int zoneId, String name, String city, int cityIndex, double lat, double lon, int parkingSpots,
                double popularity) {
    }

    /** One hourly observation; the true values also drive demand. */
    record Weather(String city, LocalDateTime observedAt, double tempC, double precipMm, double windKph) {
    }

    record Event(String eventId, int zoneId, LocalDateTime startsAt, LocalDateTime endsAt, String category,
                 int attendance) {
    }

    private final long seed;
    private final GeneratorOptions options;
    private final List<Zone> zones;
    private final int vehicles;

    ZoneDemandWorld(GeneratorOptions options) {
        this.seed = options.seed();
        this.options = options;
        int n = zoneCount(options.scale());
        List<Zone> zs = new ArrayList<>(n);
        for (int id = 1; id <= n; id++) {
            zs.add(zone(seed, id));
        }
        this.zones = List.copyOf(zs);
        this.vehicles = TripRiskWorld.vehicleCount(options.scale());
    }

    static int zoneCount(double scale) {
        return (int) Math.max(1, Math.round(20 * scale));
    }

    private static Zone zone(long seed, int id) {
        Rng r = Rng.of(seed, "zone", id);
        int city = r.chance(0.6) ? 0 : 1;
        String district = r.pick(DISTRICTS[city]);
        double lat = Values.round(CITY_CENTER[city][0] + 0.035 * r.gaussian(), 5);
        double lon = Values.round(CITY_CENTER[city][1] + 0.055 * r.gaussian(), 5);
        int spots = r.between(8, 60);
        double popularity = r.lognormal(1.0, 0.45) * StrictMath.exp(-0.45 * 0.45 / 2); // mean 1
        return new Zone(id, district + " " + id, CITIES[city], city, lat, lon, spots, popularity);
    }

    List<Zone> zones() {
        return zones;
    }

    // ---------------------------------------------------------------- weather

    /** Hourly weather of both cities: [city][hour]. */
    Weather[][] weather(LocalDate date) {
        Weather[][] w = new Weather[CITIES.length][];
        for (int c = 0; c < CITIES.length; c++) {
            w[c] = cityWeather(c, date);
        }
        return w;
    }

    private Weather[] cityWeather(int city, LocalDate date) {
        Rng r = Rng.of(seed, "weather", CITIES[city], date);
        double phase = 2 * StrictMath.PI * (date.getDayOfYear() - 20) / 365.25;
        double seasonal = (city == 0 ? 10.0 : 9.6) - (city == 0 ? 9.5 : 8.3) * StrictMath.cos(phase);
        double dayOffset = 2.8 * r.gaussian();
        double amplitude = 4.0 - 1.2 * StrictMath.cos(phase);
        boolean rainyDay = r.chance(city == 0 ? 0.40 : 0.50);
        boolean raining = rainyDay && r.chance(0.3);
        double windBase = r.lognormal(city == 0 ? 11 : 15, 0.35);
        Weather[] out = new Weather[24];
        for (int h = 0; h < 24; h++) {
            if (rainyDay) {
                raining = raining ? r.chance(0.78) : r.chance(0.12);
            }
            double precip = raining ? Math.max(0.1, Values.round(r.lognormal(0.7, 0.8), 1)) : 0.0;
            double temp = seasonal + dayOffset + amplitude * StrictMath.cos(2 * StrictMath.PI * (h - 15) / 24.0)
                    - (raining ? 1.5 : 0) + 0.5 * r.gaussian();
            double wind = Math.max(0, windBase * (1 + 0.15 * r.gaussian()) + (raining ? 6 : 0));
            out[h] = new Weather(CITIES[city], date.atTime(h, 0), Values.round(temp, 1), precip, Values.round(wind, 1));
        }
        return out;
    }

    Table weatherTable(LocalDate date) {
        Table t = new Table(WEATHER_COLUMNS);
        for (Weather[] city : weather(date)) {
            for (Weather w : city) {
                t.add(w.city(), w.observedAt(), w.tempC(), w.precipMm(), w.windKph());
            }
        }
        return t;
    }

    // ---------------------------------------------------------------- events

    List<Event> events(LocalDate date) {
        Rng r = Rng.of(seed, "events", date);
        DayOfWeek dow = date.getDayOfWeek();
        boolean weekend = isWeekend(date);
        double lambda = weekend ? 1.6 : dow == DayOfWeek.FRIDAY ? 1.0 : 0.55;
        int n = Math.min(3, r.poisson(lambda));
        String stamp = Values.COMPACT_DATE.format(date);
        List<Event> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int zone = 1 + r.nextInt(zones.size());
            String category = CATEGORIES[r.weighted(weekend ? new double[]{0.3, 0.3, 0.15, 0.25}
                    : new double[]{0.45, 0.25, 0.25, 0.05})];
            LocalDateTime start;
            int hours;
            int attendance;
            switch (category) {
                case "concert" -> {
                    start = date.atTime(r.chance(0.5) ? 19 : 20, r.chance(0.5) ? 0 : 30);
                    hours = 3;
                    attendance = logUniform(r, 500, 15_000);
                }
                case "football" -> {
                    start = weekend ? date.atTime(r.chance(0.6) ? 15 : 18, 30) : date.atTime(20, 30);
                    hours = 2;
                    attendance = logUniform(r, 15_000, 40_000);
                }
                case "fair" -> {
                    start = date.atTime(10, 0);
                    hours = 8;
                    attendance = logUniform(r, 2_000, 20_000);
                }
                default -> {
                    start = date.atTime(12, 0);
                    hours = 10;
                    attendance = logUniform(r, 3_000, 40_000);
                }
            }
            events.add(new Event(null, zone, start, start.plusHours(hours), category, attendance));
        }
        events.sort(Comparator.comparing(Event::startsAt).thenComparingInt(Event::zoneId));
        List<Event> numbered = new ArrayList<>(n);
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            numbered.add(new Event("E" + stamp + "-" + (i + 1), e.zoneId(), e.startsAt(), e.endsAt(), e.category(),
                    e.attendance()));
        }
        return numbered;
    }

    private static int logUniform(Rng r, int lo, int hi) {
        return (int) Math.round(lo * StrictMath.exp(r.uniform() * StrictMath.log((double) hi / lo)) / 10.0) * 10;
    }

    Table eventsTable(LocalDate date) {
        Table t = new Table(EVENT_COLUMNS);
        for (Event e : events(date)) {
            t.add(e.eventId(), e.zoneId(), e.startsAt(), e.endsAt(), e.category(), e.attendance());
        }
        return t;
    }

    // ---------------------------------------------------------------- demand

    static boolean isWeekend(LocalDate date) {
        return date.getDayOfWeek() == DayOfWeek.SATURDAY || date.getDayOfWeek() == DayOfWeek.SUNDAY;
    }

    /** Relative demand per hour (mean 1 over the day). */
    static double[] hourProfile(boolean weekend, boolean shifted) {
        double[] p = new double[24];
        for (int h = 0; h < 24; h++) {
            if (weekend) {
                double base = h <= 2 ? 0.55 : h <= 7 ? 0.22 : h <= 10 ? 0.4 + 0.25 * (h - 7) : h <= 20 ? 1.2 : 1.0;
                p[h] = base + 0.4 * StrictMath.exp(-sq(h - 14) / (2 * 9.0));
            } else {
                double base = h <= 4 ? 0.18 : h == 5 ? 0.45 : h <= 21 ? 1.0 : 0.55;
                double evening = shifted ? 20 : 18;
                p[h] = base + 2.0 * StrictMath.exp(-sq(h - 8) / 2.0) + 2.2 * StrictMath.exp(-sq(h - evening) / (2 * 1.44));
            }
        }
        double sum = 0;
        for (double v : p) {
            sum += v;
        }
        for (int h = 0; h < 24; h++) {
            p[h] = p[h] * 24 / sum;
        }
        return p;
    }

    private static double sq(double x) {
        return x * x;
    }

    static double dayFactor(LocalDate date, boolean shifted) {
        double f = switch (date.getDayOfWeek()) {
            case SATURDAY -> 1.15;
            case SUNDAY -> 0.95;
            case FRIDAY -> 1.05;
            default -> 1.0;
        };
        return isWeekend(date) && shifted ? f * 1.3 : f;
    }

    static double weatherFactor(Weather w) {
        double f = 1.0;
        if (w.precipMm() > 0) {
            f *= 0.75;
        }
        if (w.tempC() < -5) {
            f *= 0.75;
        } else if (w.tempC() < 0) {
            f *= 0.85;
        } else if (w.tempC() > 18 && w.precipMm() == 0) {
            f *= 1.15;
        }
        return f;
    }

    static double eventFactor(int zoneId, int hour, LocalDate date, List<Event> events) {
        double f = 1.0;
        for (Event e : events) {
            if (e.zoneId() != zoneId) {
                continue;
            }
            LocalDateTime hourStart = date.atTime(hour, 0);
            // lifted from one hour before the start until one hour after the end
            if (hourStart.plusHours(1).isAfter(e.startsAt().minusHours(1)) && hourStart.isBefore(e.endsAt().plusHours(1))) {
                f *= 1.5 + 1.5 * (e.attendance() - 500) / 39_500.0;
            }
        }
        return f;
    }

    Table rentalsTable(LocalDate date) {
        boolean shifted = options.driftActive(DriftKind.DEMAND_SHIFT, date);
        boolean weekend = isWeekend(date);
        double[] profile = hourProfile(weekend, shifted);
        double day = dayFactor(date, shifted);
        Weather[][] weather = weather(date);
        List<Event> events = events(date);
        Rng r = Rng.of(seed, "rentals", date);
        String stamp = Values.COMPACT_DATE.format(date);

        Table t = new Table(RENTAL_COLUMNS);
        for (Zone z : zones) {
            int seq = 0;
            for (int h = 0; h < 24; h++) {
                double rate = BASE_RATE * z.popularity() * profile[h] * day * weatherFactor(weather[z.cityIndex()][h])
                        * eventFactor(z.zoneId(), h, date, events);
                int k = r.poisson(rate);
                int[] seconds = new int[k];
                for (int i = 0; i < k; i++) {
                    seconds[i] = r.nextInt(3600);
                }
                Arrays.sort(seconds);
                for (int i = 0; i < k; i++) {
                    seq++;
                    LocalDateTime start = date.atTime(h, 0).plusSeconds(seconds[i]);
                    addRental(t, r, "R" + stamp + "-" + Values.pad(z.zoneId(), 3) + "-" + Values.pad(seq, 4), z, start, weekend);
                }
            }
        }
        int startCol = t.indexOf("start_ts");
        int idCol = t.indexOf("rental_id");
        t.rows.sort(Comparator.comparing((Table.Row row) -> (LocalDateTime) row.values[startCol])
                .thenComparing(row -> (String) row.values[idCol]));
        return t;
    }

    private void addRental(Table t, Rng r, String id, Zone z, LocalDateTime start, boolean weekend) {
        int h = start.getHour();
        boolean peak = !weekend && ((h >= 6 && h <= 9) || (h >= 16 && h <= 19));
        double[] mix = weekend ? new double[]{0.05, 0.6, 0.05, 0.3}
                : peak ? new double[]{0.55, 0.2, 0.2, 0.05} : new double[]{0.2, 0.4, 0.25, 0.15};
        int segment = r.weighted(mix);
        double median = switch (segment) {
            case 0 -> 18;
            case 1 -> 35;
            case 2 -> 25;
            default -> 55;
        };
        double duration = 10 + r.lognormal(median - 8, 0.55);
        for (int tries = 0; duration > 120 && tries < 5; tries++) {
            duration = 10 + r.lognormal(median - 8, 0.55);
        }
        duration = Values.round(Math.min(duration, 120), 1);
        double speed = Values.clamp(22 + 5 * r.gaussian(), 6, 45);
        double distance = Values.round(duration / 60 * speed, 1);
        double price = Values.round(0.29 * duration + 1.0, 2);
        String vehicle = TripRiskWorld.vehicleId(1 + r.nextInt(vehicles));
        LocalDateTime end = r.chance(0.003) ? null : start.plusSeconds(Math.round(duration * 60));
        String segmentName = r.chance(0.01) ? null : SEGMENTS[segment];
        t.add(id, z.zoneId(), vehicle, start, end, duration, distance, price, segmentName);
    }

    /** Bad-data targets of the rentals files. */
    static final BadData RENTALS_BAD_DATA = new BadData("rentals", "zone_id", "distance_km",
            v -> v == null ? null : v + " km", "start_ts", "duration_min", "price_eur", -9.99);
}
