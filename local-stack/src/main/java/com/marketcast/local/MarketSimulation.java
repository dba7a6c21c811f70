package com.marketcast.local;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A deterministic model of a sportsbook feed: given a seed and the times it is asked at, it always
 * produces the same updates. {@link MarketGenerator} paces it and writes it to Kafka; tests drive
 * it with a fake clock.
 *
 * <p>The model:
 *
 * <ul>
 *   <li>Markets sit in a fixed number of slots. Slot {@code k} is picked with probability
 *       proportional to {@code 1/(k+1)} (Zipf, s = 1), so a few markets are hot and most are quiet,
 *       as on a real book where the big match moves all the time.
 *   <li>Each market holds its true outcome probabilities. A price move is a Gaussian random walk of
 *       those probabilities (clamped to [{@value #P_MIN}, {@value #P_MAX}] and renormalised to sum
 *       1); a price is {@code 1 / (p × (1 + margin))} with a bookmaker margin of 3–7 %, rounded to
 *       2 decimals and never below 1.01. An update lists only the selections whose rounded price
 *       changed (a partial update, PROTOCOL section 1).
 *   <li>Occasionally a market (any, not only a hot one) is suspended (status only) and reopens a
 *       few seconds later with a jump in all its prices; rarely one closes, and a few seconds later
 *       a new market with a new id (on a new event of the same sport) takes its slot. A closed
 *       market gets no further update.
 *   <li>Every market starts with a full update (status {@code OPEN} and all prices); at start-up
 *       the first {@code markets} updates announce every market once, so consumers know them all
 *       within a couple of seconds.
 *   <li>{@code seq} starts at 1 per market and grows by one per update.
 * </ul>
 *
 * <p>With a catalog ({@link #MarketSimulation(List, long)}) it prices the catalog's markets instead
 * and never closes or invents one: the catalog churn closes markets ({@link #remove}) and adds new
 * ones ({@link #add}), which are announced with a full update at once.
 *
 * <p>One thread drives it (the generator's); {@link #openMarketIds}, {@link #markets}, {@link
 * #remove} and {@link #add} may be called from others and are synchronized with {@link #next}.
 */
public final class MarketSimulation {
    static final double P_MIN = 0.01;
    static final double P_MAX = 0.92;
    static final double MIN_PRICE = 1.01;

    /**
     * Chances per update that it suspends or closes a market instead of moving prices: at 200
     * updates/s over 300 markets, each market is suspended about every 6 minutes and lives about 50
     * minutes.
     */
    static final double SUSPEND_PROBABILITY = 0.004;

    static final double CLOSE_PROBABILITY = 0.0005;
    private static final Duration MIN_SUSPENSION = Duration.ofSeconds(2);
    private static final Duration MAX_SUSPENSION = Duration.ofSeconds(6);
    private static final Duration MIN_REPLACEMENT = Duration.ofSeconds(3);
    private static final Duration MAX_REPLACEMENT = Duration.ofSeconds(10);

    /** A kind of market: its type name, selection ids and how many per event of its sport. */
    private record MarketType(String type, String name, List<String> selectionIds) {}

    private record Sport(
            String name, double weight, List<String> competitions, List<MarketType> marketTypes) {}

    private static final List<Sport> SPORTS =
            List.of(
                    new Sport(
                            "football",
                            0.55,
                            List.of("Premier League", "La Liga", "Serie A", "Bundesliga"),
                            List.of(
                                    new MarketType(
                                            "MATCH_ODDS",
                                            "Match Odds",
                                            List.of("home", "draw", "away")),
                                    new MarketType(
                                            "OVER_UNDER_25",
                                            "Over/Under 2.5 Goals",
                                            List.of("over", "under")),
                                    new MarketType(
                                            "BTTS", "Both Teams To Score", List.of("yes", "no")))),
                    new Sport(
                            "tennis",
                            0.25,
                            List.of("ATP Vienna", "WTA Linz"),
                            List.of(
                                    new MarketType(
                                            "MATCH_WINNER",
                                            "Match Winner",
                                            List.of("home", "away")),
                                    new MarketType(
                                            "SET_1_WINNER",
                                            "First Set Winner",
                                            List.of("home", "away")))),
                    new Sport(
                            "basketball",
                            0.20,
                            List.of("NBA", "EuroLeague"),
                            List.of(
                                    new MarketType(
                                            "MONEYLINE", "Moneyline", List.of("home", "away")),
                                    new MarketType(
                                            "TOTAL_POINTS",
                                            "Total Points",
                                            List.of("over", "under")))));

    /** What a consumer would need to know about a market beyond its prices (a catalog row). */
    public record MarketInfo(
            String marketId,
            String eventId,
            String sport,
            String competition,
            String type,
            String name,
            List<String> selectionIds) {}

    private static final class Market {
        final MarketInfo info;
        final double margin;
        final double[] probabilities;
        final double[] published;
        long seq;
        boolean suspended;

        Market(MarketInfo info, double margin, double[] probabilities) {
            this.info = info;
            this.margin = margin;
            this.probabilities = probabilities;
            this.published = new double[probabilities.length];
        }
    }

    private enum Action {
        REOPEN,
        REPLACE
    }

    private record Timed(long dueAt, long order, int slot, Action action) {}

    private final Random random;

    /** Hottest first; a null slot is free (its market closed). Grows when a market is added. */
    private final List<Market> slots;

    /** How many slots the start-up announcement covers (the markets given or invented at start). */
    private final int initialMarkets;

    /**
     * Whether the feed closes markets and invents their replacements; not when a catalog owns the
     * markets (the catalog churn closes and adds them, and tells this simulation).
     */
    private final boolean ownsMarkets;

    private final Deque<Market> added = new ArrayDeque<>();
    private double[] cumulativeHotness;
    private final PriorityQueue<Timed> timeline =
            new PriorityQueue<>(
                    Comparator.comparingLong(Timed::dueAt).thenComparingLong(Timed::order));
    private long timedOrder;
    private int announced;
    private int nextEventNumber = 1;
    private int nextMarketNumber = 1001;

    public MarketSimulation(int markets, long seed) {
        if (markets < 1) {
            throw new IllegalArgumentException("markets must be at least 1, got " + markets);
        }
        this.random = new Random(seed);
        this.slots = new ArrayList<>(markets);
        this.initialMarkets = markets;
        this.ownsMarkets = true;
        this.cumulativeHotness = hotness(markets);
        // events get all their sport's markets in a row, so ~300 markets make ~120 events
        while (slots.size() < markets) {
            Sport sport = pickSport();
            String eventId = "e-" + nextEventNumber++;
            String competition =
                    sport.competitions().get(random.nextInt(sport.competitions().size()));
            for (MarketType type : sport.marketTypes()) {
                if (slots.size() == markets) {
                    break;
                }
                slots.add(newMarket(sport, competition, eventId, type));
            }
        }
    }

    /**
     * A feed of the catalog's markets (those not closed), the first ones the hottest (Zipf over the
     * list order: put the in-play markets first): the feed suspends and reopens them but never
     * closes one; {@link #remove} and {@link #add} follow the catalog's closures and new markets.
     */
    public MarketSimulation(List<MarketInfo> catalog, long seed) {
        if (catalog.isEmpty()) {
            throw new IllegalArgumentException("the catalog has no market to feed");
        }
        this.random = new Random(seed);
        this.slots = new ArrayList<>(catalog.size());
        this.initialMarkets = catalog.size();
        this.ownsMarkets = false;
        this.cumulativeHotness = hotness(catalog.size());
        for (MarketInfo info : catalog) {
            slots.add(newMarket(info));
        }
    }

    private static double[] hotness(int markets) {
        double[] cumulative = new double[markets];
        double sum = 0;
        for (int k = 0; k < markets; k++) {
            sum += 1.0 / (k + 1);
            cumulative[k] = sum;
        }
        return cumulative;
    }

    /**
     * A market closed in the catalog: no further update for it, and its slot is free for the next
     * market added.
     *
     * @return whether the simulation fed it
     */
    public synchronized boolean remove(String marketId) {
        for (int k = 0; k < slots.size(); k++) {
            Market market = slots.get(k);
            if (market != null && market.info.marketId().equals(marketId)) {
                slots.set(k, null);
                added.remove(market);
                return true;
            }
        }
        return false;
    }

    /**
     * A market added to the catalog: it takes a free slot (the hottest one a removed market left),
     * or a new, coldest slot, and is announced with a full update next.
     *
     * @return false when the simulation feeds that market already
     */
    public synchronized boolean add(MarketInfo info) {
        int free = -1;
        for (int k = 0; k < slots.size(); k++) {
            Market market = slots.get(k);
            if (market != null && market.info.marketId().equals(info.marketId())) {
                return false;
            }
            int slot = k;
            // not a slot whose removed market still has a reopening due
            if (free < 0 && market == null && timeline.stream().noneMatch(t -> t.slot() == slot)) {
                free = k;
            }
        }
        Market market = newMarket(info);
        if (free >= 0) {
            slots.set(free, market);
        } else {
            slots.add(market);
            cumulativeHotness = Arrays.copyOf(cumulativeHotness, cumulativeHotness.length + 1);
            cumulativeHotness[slots.size() - 1] =
                    cumulativeHotness[slots.size() - 2] + 1.0 / slots.size();
        }
        added.add(market);
        return true;
    }

    /** The number of market slots (open, suspended or free). */
    public synchronized int size() {
        return slots.size();
    }

    /** The next update of the feed at time {@code now} (epoch ms; must not go backwards). */
    public synchronized FeedUpdate next(long now) {
        Timed due = timeline.peek();
        if (due != null && due.dueAt() <= now) {
            return runTimed(timeline.poll(), now);
        }
        while (announced < initialMarkets) {
            Market market = slots.get(announced++);
            // seq 0: not announced yet (a market added into a free slot is announced once)
            if (market != null && market.seq == 0) {
                return open(market, now, "OPEN");
            }
        }
        for (Market fresh = added.poll(); fresh != null; fresh = added.poll()) {
            if (fresh.seq == 0) {
                return open(fresh, now, "OPEN");
            }
        }
        // suspensions and closures hit a uniformly chosen market, not a hot one: otherwise the hot
        // markets, picked hundreds of times more often, would be suspended every few seconds and
        // replaced every minute
        double roll = random.nextDouble();
        boolean close = ownsMarkets && roll < CLOSE_PROBABILITY;
        boolean suspend = !close && roll < CLOSE_PROBABILITY + SUSPEND_PROBABILITY;
        int slot = close || suspend ? anyOpenSlot() : pickOpenSlot();
        if (slot < 0) {
            // every market is suspended or closed: bring the next scheduled change forward
            return runTimed(timeline.poll(), now);
        }
        Market market = slots.get(slot);
        if (close) {
            slots.set(slot, null);
            schedule(now, MIN_REPLACEMENT, MAX_REPLACEMENT, slot, Action.REPLACE);
            return emit(market, now, "CLOSED", List.of());
        }
        if (suspend) {
            market.suspended = true;
            schedule(now, MIN_SUSPENSION, MAX_SUSPENSION, slot, Action.REOPEN);
            return emit(market, now, "SUSPENDED", List.of());
        }
        return move(market, now);
    }

    /**
     * The ids of the {@code n} hottest markets that are open now, hottest first: what a demo
     * channel subscribes to so that it sees traffic.
     */
    public synchronized List<String> openMarketIds(int n) {
        List<String> ids = new ArrayList<>(n);
        for (int k = 0; k < slots.size() && ids.size() < n; k++) {
            Market market = slots.get(k);
            if (market != null && !market.suspended) {
                ids.add(market.info.marketId());
            }
        }
        return ids;
    }

    /** The markets in the slots now (not the closed ones awaiting a replacement). */
    public synchronized List<MarketInfo> markets() {
        List<MarketInfo> infos = new ArrayList<>(slots.size());
        for (Market market : slots) {
            if (market != null) {
                infos.add(market.info);
            }
        }
        return infos;
    }

    private FeedUpdate runTimed(Timed timed, long now) {
        int slot = timed.slot();
        if (timed.action() == Action.REOPEN) {
            Market market = slots.get(slot);
            if (market == null) {
                return next(now); // removed from the catalog while suspended
            }
            market.suspended = false;
            // news arrived during the suspension (a goal, a break of serve): prices jump
            walk(market, 0.04);
            return open(market, now, "OPEN");
        }
        Sport sport = pickSport();
        MarketType type = sport.marketTypes().get(random.nextInt(sport.marketTypes().size()));
        String competition = sport.competitions().get(random.nextInt(sport.competitions().size()));
        Market replacement = newMarket(sport, competition, "e-" + nextEventNumber++, type);
        slots.set(slot, replacement);
        return open(replacement, now, "OPEN");
    }

    /** A full update: status and every price. */
    private FeedUpdate open(Market market, long now, String status) {
        List<FeedUpdate.Price> prices = new ArrayList<>(market.probabilities.length);
        for (int i = 0; i < market.probabilities.length; i++) {
            market.published[i] = price(market, i);
            prices.add(
                    new FeedUpdate.Price(market.info.selectionIds().get(i), market.published[i]));
        }
        return emit(market, now, status, prices);
    }

    /** A price move: only the selections whose rounded price changed. */
    private FeedUpdate move(Market market, long now) {
        // one move in ten is a big one (a goal, a red card); the rest are drift
        double sigma = random.nextDouble() < 0.1 ? 0.03 : 0.004 + 0.006 * random.nextDouble();
        List<FeedUpdate.Price> changed = new ArrayList<>();
        for (int attempt = 0; attempt < 10 && changed.isEmpty(); attempt++) {
            walk(market, sigma);
            for (int i = 0; i < market.probabilities.length; i++) {
                double price = price(market, i);
                if (price != market.published[i]) {
                    market.published[i] = price;
                    changed.add(new FeedUpdate.Price(market.info.selectionIds().get(i), price));
                }
            }
        }
        if (changed.isEmpty()) {
            // the walk is stuck at a bound: resend every price rather than send nothing
            return open(market, now, null);
        }
        return emit(market, now, null, changed);
    }

    private FeedUpdate emit(Market market, long now, String status, List<FeedUpdate.Price> prices) {
        market.seq++;
        return new FeedUpdate(
                market.info.marketId(), market.info.eventId(), market.seq, now, status, prices);
    }

    private void walk(Market market, double sigma) {
        double[] p = market.probabilities;
        for (int i = 0; i < p.length; i++) {
            p[i] += sigma * random.nextGaussian();
        }
        normalise(p);
    }

    /** Clamps into [P_MIN, P_MAX] and rescales to sum 1; a few rounds settle both constraints. */
    static void normalise(double[] p) {
        for (int round = 0; round < 4; round++) {
            double sum = 0;
            for (int i = 0; i < p.length; i++) {
                p[i] = Math.min(P_MAX, Math.max(P_MIN, p[i]));
                sum += p[i];
            }
            for (int i = 0; i < p.length; i++) {
                p[i] /= sum;
            }
        }
    }

    private static double price(Market market, int i) {
        double fair = 1.0 / (market.probabilities[i] * (1.0 + market.margin));
        return Math.max(MIN_PRICE, Math.round(fair * 100.0) / 100.0);
    }

    private Market newMarket(Sport sport, String competition, String eventId, MarketType type) {
        return newMarket(
                new MarketInfo(
                        "m-" + nextMarketNumber++,
                        eventId,
                        sport.name(),
                        competition,
                        type.type(),
                        type.name(),
                        type.selectionIds()));
    }

    private Market newMarket(MarketInfo info) {
        int n = info.selectionIds().size();
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = 0.5 + random.nextDouble() * 1.5;
        }
        if (n == 3 && "draw".equals(info.selectionIds().get(1))) {
            // a draw is rarely the favourite: about 22-30 %
            p[1] = (p[0] + p[2]) * (0.28 + 0.15 * random.nextDouble());
        }
        double sum = 0;
        for (double v : p) {
            sum += v;
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        normalise(p);
        return new Market(info, 0.03 + 0.04 * random.nextDouble(), p);
    }

    private Sport pickSport() {
        double roll = random.nextDouble();
        for (Sport sport : SPORTS) {
            roll -= sport.weight();
            if (roll < 0) {
                return sport;
            }
        }
        return SPORTS.get(0);
    }

    /** A Zipf-distributed slot whose market is open, or -1 when there is none. */
    private int pickOpenSlot() {
        double total = cumulativeHotness[cumulativeHotness.length - 1];
        for (int attempt = 0; attempt < 16; attempt++) {
            int slot = slotAt(random.nextDouble() * total);
            if (slots.get(slot) != null && !slots.get(slot).suspended) {
                return slot;
            }
        }
        return anyOpenSlot();
    }

    /** A uniformly chosen slot whose market is open, or -1 when there is none. */
    private int anyOpenSlot() {
        int start = random.nextInt(slots.size());
        for (int i = 0; i < slots.size(); i++) {
            int slot = (start + i) % slots.size();
            if (slots.get(slot) != null && !slots.get(slot).suspended) {
                return slot;
            }
        }
        return -1;
    }

    private int slotAt(double point) {
        int lo = 0;
        int hi = cumulativeHotness.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulativeHotness[mid] < point) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private void schedule(long now, Duration min, Duration max, int slot, Action action) {
        long delay =
                min.toMillis() + (long) (random.nextDouble() * (max.toMillis() - min.toMillis()));
        timeline.add(new Timed(now + delay, timedOrder++, slot, action));
    }
}
