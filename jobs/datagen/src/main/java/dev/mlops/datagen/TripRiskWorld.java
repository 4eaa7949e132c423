package dev.mlops.datagen;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * The telematics-insurance simulation behind the trip_risk datasets. Drivers have a log-normal latent risk that drives
 * their behaviour (speeding, harsh braking/acceleration, night driving, phone use); every trip gets a claim with a
 * logistic probability of its features and the driver's latent risk (~3% positives), filed 1-30 days later. A day's
 * trips, including their claim outcomes, come from one stream keyed by (seed, "trips", date), so claims filed on day d
 * are found by replaying the trips of d-30..d-1.
 */
final class TripRiskWorld {

    static final List<String> TRIP_COLUMNS = List.of("trip_id", "driver_id", "vehicle_id", "start_ts", "end_ts",
            "distance_km", "duration_min", "avg_speed_kph", "max_speed_kph", "harsh_brake_count", "harsh_accel_count",
            "night_share", "phone_use_min", "firmware");
    static final List<String> CLAIM_COLUMNS = List.of("claim_id", "trip_id", "driver_id", "claim_ts", "amount_eur",
            "claim_type");

    static final int MAX_CLAIM_DELAY_DAYS = 30;
    static final double KPH_PER_MPH = 1.609344;
    static final String FIRMWARE = "fw-1.4";
    static final String FIRMWARE_MPH = "fw-2.0";

    static final String[] REGIONS = {"Berlin", "Brandenburg", "Hamburg", "Schleswig-Holstein", "Lower Saxony", "Bavaria"};
    private static final double[] REGION_WEIGHTS = {0.3, 0.15, 0.25, 0.1, 0.12, 0.08};
    static final String[][] MAKES_MODELS = {{"VW", "Golf"}, {"VW", "Polo"}, {"VW", "ID.3"}, {"BMW", "i3"},
            {"BMW", "118i"}, {"Renault", "Zoe"}, {"Opel", "Corsa"}, {"Fiat", "500"}, {"Tesla", "Model 3"},
            {"Mercedes", "A 180"}, {"Skoda", "Fabia"}, {"Toyota", "Yaris"}};
    static final String[] CLAIM_TYPES = {"collision", "theft", "glass", "vandalism"};
    private static final double[] CLAIM_TYPE_WEIGHTS = {0.6, 0.08, 0.2, 0.12};

    /** Intercept of the claim model, calibrated for ~3% positives. */
    private static final double CLAIM_INTERCEPT = -4.05;

    /** A driver; the fields after {@code region} are latent (never written). Values are as created (2023-12-31). */
    record Driver(int driverNo, String driverId, int birthYear, int licenseYears, int licenseDayOfYear, String region,
                  double risk, double speedExcess, double brakeRate, double accelRate, double nightProb,
                  double phoneShare, double activity, int primaryVehicle) {
    }

    /** A vehicle as created (2023-12-31). */
    record Vehicle(int vehicleNo, String vehicleId, String make, String model, int year, int homeZoneId) {
    }

    record Claim(String claimId, LocalDateTime claimTs, double amountEur, String claimType) {
    }

    /** A simulated trip with its true (kph) speeds; {@code claim} is null for negatives. */
    record Trip(String tripId, int driverNo, int vehicleNo, LocalDateTime start, LocalDateTime end, double distanceKm,
                double durationMin, double avgSpeedKph, double maxSpeedKph, int harshBrakes, int harshAccels,
                double nightShare, Double phoneUseMin, double claimProbability, Claim claim) {
    }

    private final long seed;
    private final GeneratorOptions options;
    private final List<Driver> drivers;
    private final List<Vehicle> vehicles;
    private final double[] cumulativeActivity;

    TripRiskWorld(GeneratorOptions options) {
        this.seed = options.seed();
        this.options = options;
        int nv = vehicleCount(options.scale());
        int nz = ZoneDemandWorld.zoneCount(options.scale());
        List<Vehicle> vs = new ArrayList<>(nv);
        for (int i = 1; i <= nv; i++) {
            vs.add(vehicle(seed, i, nz));
        }
        this.vehicles = List.copyOf(vs);
        int nd = driverCount(options.scale());
        List<Driver> ds = new ArrayList<>(nd);
        cumulativeActivity = new double[nd];
        double sum = 0;
        for (int i = 1; i <= nd; i++) {
            Driver d = driver(seed, i, nv);
            ds.add(d);
            sum += d.activity();
            cumulativeActivity[i - 1] = sum;
        }
        this.drivers = List.copyOf(ds);
    }

    static int vehicleCount(double scale) {
        return (int) Math.max(1, Math.round(400 * scale));
    }

    static int driverCount(double scale) {
        return (int) Math.max(1, Math.round(1000 * scale));
    }

    static int tripsPerDay(double scale) {
        return (int) Math.max(1, Math.round(2000 * scale));
    }

    private static Vehicle vehicle(long seed, int no, int zones) {
        Rng r = Rng.of(seed, "vehicle", no);
        String[] mm = r.pick(MAKES_MODELS);
        return new Vehicle(no, vehicleId(no), mm[0], mm[1], r.between(2015, 2023), 1 + r.nextInt(zones));
    }

    private static Driver driver(long seed, int no, int vehicles) {
        Rng r = Rng.of(seed, "driver", no);
        double z = r.gaussian();
        double risk = StrictMath.exp(0.6 * z);
        // behaviour traits correlate (0.6) with the latent risk
        double speeding = 0.6 * z + 0.8 * r.gaussian();
        double braking = 0.6 * z + 0.8 * r.gaussian();
        double accel = 0.6 * z + 0.8 * r.gaussian();
        double night = 0.6 * z + 0.8 * r.gaussian();
        double phone = 0.6 * z + 0.8 * r.gaussian();
        int birthYear = r.between(1950, 2004);
        int age = 2023 - birthYear;
        int startAge = (int) Math.min(age, 18 + Math.floor(r.exponential(3)));
        String region = REGIONS[r.weighted(REGION_WEIGHTS)];
        return new Driver(no, driverId(no), birthYear, age - startAge, r.between(1, 365), region, risk,
                Values.clamp(5 + 5 * speeding, -5, 25), 0.6 * StrictMath.exp(0.5 * braking),
                0.5 * StrictMath.exp(0.5 * accel), Values.clamp(0.08 * StrictMath.exp(0.6 * night), 0, 0.6),
                Math.min(0.4, 0.03 * StrictMath.exp(0.7 * phone)), r.lognormal(1.0, 0.5), 1 + r.nextInt(vehicles));
    }

    static String vehicleId(int no) {
        return "V" + Values.pad(no, 5);
    }

    static String driverId(int no) {
        return "D" + Values.pad(no, 5);
    }

    List<Driver> drivers() {
        return drivers;
    }

    List<Vehicle> vehicles() {
        return vehicles;
    }

    /** The trips that started on the date, ordered by start, with their (future) claims. */
    List<Trip> trips(LocalDate date) {
        Rng r = Rng.of(seed, "trips", date);
        double dow = date.getDayOfWeek() == DayOfWeek.SATURDAY ? 0.9
                : date.getDayOfWeek() == DayOfWeek.SUNDAY ? 0.8 : 1.05;
        int n = r.poisson(tripsPerDay(options.scale()) * dow);
        List<Draft> drafts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            drafts.add(draft(r, date));
        }
        drafts.sort(Comparator.comparing((Draft d) -> d.start).thenComparingInt(d -> d.driver.driverNo()));
        String stamp = Values.COMPACT_DATE.format(date);
        List<Trip> trips = new ArrayList<>(n);
        for (int i = 0; i < drafts.size(); i++) {
            Draft d = drafts.get(i);
            String id = "T" + stamp + "-" + Values.pad(i + 1, 6);
            Claim claim = d.claimed ? new Claim("C" + id.substring(1), d.claimTs, d.claimAmount, d.claimType) : null;
            trips.add(new Trip(id, d.driver.driverNo(), d.vehicleNo, d.start, d.end, d.distance, d.duration, d.avgSpeed,
                    d.maxSpeed, d.brakes, d.accels, d.nightShare, d.phone, d.probability, claim));
        }
        return trips;
    }

    /** A trip before ids are assigned (ids follow the start order). */
    private static final class Draft {
        Driver driver;
        int vehicleNo;
        LocalDateTime start;
        LocalDateTime end;
        double duration;
        double distance;
        double avgSpeed;
        double maxSpeed;
        int brakes;
        int accels;
        double nightShare;
        Double phone;
        double probability;
        boolean claimed;
        LocalDateTime claimTs;
        double claimAmount;
        String claimType;
    }

    private static final double[] DAY_HOURS = {0.5, 1.5, 2.0, 1.5, 1.0, 0.9, 1.0, 1.0, 1.0, 1.0, 1.3, 1.8, 2.0, 1.6, 1.1, 0.8};

    private Draft draft(Rng r, LocalDate date) {
        Draft d = new Draft();
        double x = r.uniform() * cumulativeActivity[cumulativeActivity.length - 1];
        int idx = Arrays.binarySearch(cumulativeActivity, x);
        idx = idx >= 0 ? Math.min(idx + 1, cumulativeActivity.length - 1) : -idx - 1;
        Driver dr = drivers.get(idx);
        d.driver = dr;
        d.vehicleNo = r.chance(0.85) ? dr.primaryVehicle() : 1 + r.nextInt(vehicles.size());
        int hour = r.chance(dr.nightProb()) ? new int[]{22, 23, 0, 1, 2, 3, 4, 5}[r.nextInt(8)] : 6 + r.weighted(DAY_HOURS);
        d.start = date.atTime(hour, 0).plusSeconds(r.nextInt(3600));
        double duration = Values.clamp(r.lognormal(18, 0.6), 2, 240);
        double base = Values.clamp(r.lognormal(32, 0.3) * (1 + 0.12 * StrictMath.log(duration / 18)), 10, 110);
        double avg = Math.max(5, base + 0.4 * dr.speedExcess() + (hour < 6 || hour >= 22 ? 4 : 0));
        double max = avg * (1.3 + 0.35 * r.uniform()) + 1.2 * Math.max(0, dr.speedExcess()) + 3 * r.gaussian();
        d.duration = Values.round(duration, 1);
        d.end = d.start.plusSeconds(Math.round(d.duration * 60));
        d.avgSpeed = Values.round(avg, 1);
        d.maxSpeed = Values.round(Math.max(max, avg), 1);
        d.distance = Values.round(avg * d.duration / 60, 2);
        d.brakes = r.poisson(dr.brakeRate() * d.duration / 30);
        d.accels = r.poisson(dr.accelRate() * d.duration / 30);
        d.nightShare = Values.round(nightShare(d.start, d.end), 3);
        double phone = Values.round(d.duration * Math.min(0.5, dr.phoneShare() * r.lognormal(1, 0.5)), 1);
        d.phone = r.chance(0.01) ? null : phone; // sensor gap
        double logit = CLAIM_INTERCEPT + 0.7 * StrictMath.log(dr.risk()) + 0.025 * (d.maxSpeed - 70)
                + 0.18 * d.brakes + 0.10 * d.accels + 0.9 * d.nightShare + 0.06 * phone
                + 0.35 * StrictMath.log(Math.max(0.5, d.distance) / 10) + (dr.licenseYears() < 3 ? 0.4 : 0);
        d.probability = 1 / (1 + StrictMath.exp(-logit));
        d.claimed = r.uniform() < d.probability;
        if (d.claimed) {
            int delay = 1 + (int) Math.floor(r.exponential(7));
            if (delay > MAX_CLAIM_DELAY_DAYS) {
                delay = r.between(1, MAX_CLAIM_DELAY_DAYS);
            }
            d.claimTs = date.plusDays(delay).atTime(r.between(7, 19), r.nextInt(60), r.nextInt(60));
            int type = r.weighted(CLAIM_TYPE_WEIGHTS);
            d.claimType = CLAIM_TYPES[type];
            double amount = switch (type) {
                case 0 -> r.lognormal(3_000, 0.7);
                case 1 -> r.lognormal(9_000, 0.4);
                case 2 -> r.lognormal(700, 0.4);
                default -> r.lognormal(1_200, 0.6);
            };
            d.claimAmount = Values.round(Values.clamp(amount, 300, 15_000), 2);
        }
        return d;
    }

    /** Share of [start, end] that lies between 22:00 and 06:00. */
    static double nightShare(LocalDateTime start, LocalDateTime end) {
        long total = Duration.between(start, end).getSeconds();
        if (total <= 0) {
            int h = start.getHour();
            return h >= 22 || h < 6 ? 1.0 : 0.0;
        }
        long night = 0;
        for (LocalDate day = start.toLocalDate().minusDays(1); !day.isAfter(end.toLocalDate()); day = day.plusDays(1)) {
            LocalDateTime from = day.atTime(22, 0);
            LocalDateTime to = day.plusDays(1).atTime(6, 0);
            LocalDateTime a = start.isAfter(from) ? start : from;
            LocalDateTime b = end.isBefore(to) ? end : to;
            if (b.isAfter(a)) {
                night += Duration.between(a, b).getSeconds();
            }
        }
        return (double) night / total;
    }

    Table tripsTable(LocalDate date, List<Trip> trips) {
        boolean mph = options.driftActive(DriftKind.SPEED_MPH, date);
        Table t = new Table(TRIP_COLUMNS);
        for (Trip trip : trips) {
            double avg = mph ? Values.round(trip.avgSpeedKph() / KPH_PER_MPH, 1) : trip.avgSpeedKph();
            double max = mph ? Values.round(trip.maxSpeedKph() / KPH_PER_MPH, 1) : trip.maxSpeedKph();
            t.add(trip.tripId(), driverId(trip.driverNo()), vehicleId(trip.vehicleNo()), trip.start(), trip.end(),
                    trip.distanceKm(), trip.durationMin(), avg, max, trip.harshBrakes(), trip.harshAccels(),
                    trip.nightShare(), trip.phoneUseMin(), mph ? FIRMWARE_MPH : FIRMWARE);
        }
        return t;
    }

    /** Claims filed on the date: claims of the trips of the 30 days before, whose filing date is this date. */
    Table claimsTable(LocalDate date, Function<LocalDate, List<Trip>> tripsOf) {
        List<Trip> filed = new ArrayList<>();
        for (int back = MAX_CLAIM_DELAY_DAYS; back >= 1; back--) {
            for (Trip trip : tripsOf.apply(date.minusDays(back))) {
                if (trip.claim() != null && trip.claim().claimTs().toLocalDate().equals(date)) {
                    filed.add(trip);
                }
            }
        }
        filed.sort(Comparator.comparing((Trip t) -> t.claim().claimTs()).thenComparing(t -> t.claim().claimId()));
        Table t = new Table(CLAIM_COLUMNS);
        for (Trip trip : filed) {
            Claim c = trip.claim();
            t.add(c.claimId(), trip.tripId(), driverId(trip.driverNo()), c.claimTs(), c.amountEur(), c.claimType());
        }
        return t;
    }

    /** Bad-data targets of the trips files; the type change writes "fast"/"slow" from the (kph) reported value. */
    static final BadData TRIPS_BAD_DATA = new BadData("trips", "vehicle_id", "max_speed_kph",
            v -> v == null ? null : ((Double) v) >= 90 ? "fast" : "slow", "start_ts", "avg_speed_kph", "max_speed_kph", 412.0);
}
