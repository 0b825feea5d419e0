package dev.quiesce.jmh;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Renders the performance report: reads the JMH JSON files, the footprint harness's JSON and the
 * run description that {@code run-benchmarks.sh} writes into one results directory, and writes
 * PNG charts (XChart) and {@code performance.md} (tables with score ± error and ratios with the
 * range their errors allow) into a docs directory.
 *
 * <pre>
 * java -Djava.awt.headless=true -cp quiesce-jmh/target/benchmarks.jar dev.quiesce.jmh.Report RESULTS_DIR DOCS_DIR
 * </pre>
 *
 * <p>Errors are JMH's 99.9 % confidence half-widths ({@code scoreError}); a ratio a/b is shown
 * with the worst and best case within them, (a − ea)/(b + eb) to (a + ea)/(b − eb), open-ended
 * when a − ea ≤ 0 (low end) or b − eb ≤ 0 (high end): a ratio is never negative. Ratio, latency
 * and throughput-per-peer charts are {@link RangeChart}s: a log axis, the point and its range.
 * Under every chart a line says where a peer beats the Quiesce method beyond the errors (and
 * where it leads on the mean only), computed from the scores ({@link Wins}). Parts whose JSON is
 * missing are left out of the report; nothing is invented.
 *
 * <p>The results the report is drawn from are kept in {@code DOCS_DIR/data} (see {@link #keep});
 * to draw it again from them: {@code Report docs/data docs}.
 */
public final class Report {

    private Report() {
    }

    /** One JMH result: a benchmark method with its parameters and thread count. */
    static final class Result {
        String file;
        String benchClass;
        String method;
        String mode;
        int threads;
        Map<String, String> params = new TreeMap<>();
        double score;
        double error;
        String unit;
        Map<String, Double> percentiles = new TreeMap<>();
        Map<String, double[]> secondary = new LinkedHashMap<>();   // name -> {score, error}

        String param(String name) {
            return params.getOrDefault(name, "");
        }

        double secondaryScore(String name) {
            double[] s = secondary.get(name);
            if (s == null && name.startsWith("·")) {
                s = secondary.get(name.substring(1));     // JMH 1.37 writes "gc.alloc.rate.norm"
            }
            return s == null ? Double.NaN : s[0];
        }

        double secondaryError(String name) {
            double[] s = secondary.get(name);
            return s == null ? Double.NaN : s[1];
        }
    }

    private final List<Result> results = new ArrayList<>();
    private final Properties info = new Properties();
    private Footprint.Results footprint;
    private Path docs;
    private final StringBuilder md = new StringBuilder();

    /** Quiesce's read sides, then the JDK's and open-coded, then other libraries'. */
    static final List<String> QUIESCE = List.of("srcu-int", "srcu-handle", "rwsem-token", "rwsem-permit", "revocable");
    static final List<String> JDK = List.of("rrwl", "stamped", "semaphore", "phaser", "longadder", "open-coded");
    static final List<String> LIBRARIES = List.of("oporder", "async-epoch", "async-rwlock");
    static final List<String> THREADS = List.of("1", "2", "4", "8", "64");

    static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        LABELS.put("srcu-int", "Srcu readLock/downRead (int)");
        LABELS.put("srcu-handle", "Srcu enter() handle");
        LABELS.put("rwsem-token", "RwSemaphore token (long)");
        LABELS.put("rwsem-permit", "RwSemaphore Permit");
        LABELS.put("revocable", "Revocable Access");
        LABELS.put("rrwl", "ReentrantReadWriteLock read");
        LABELS.put("stamped", "StampedLock read");
        LABELS.put("semaphore", "Semaphore");
        LABELS.put("phaser", "Phaser register/deregister");
        LABELS.put("longadder", "LongAdder inc/dec (floor)");
        LABELS.put("open-coded", "AtomicInteger + latch (open-coded)");
        LABELS.put("oporder", "Cassandra OpOrder");
        LABELS.put("async-epoch", "asyncutil AsyncEpoch");
        LABELS.put("async-rwlock", "asyncutil AsyncReadWriteLock");
    }

    static String label(String impl) {
        return LABELS.getOrDefault(impl, impl);
    }

    /** Labels of the updaters that wait for older readers. */
    static String waitLabel(String impl) {
        switch (impl) {
            case "srcu": return "Srcu.synchronize()";
            case "srcu-expedited": return "Srcu.synchronizeExpedited()";
            case "oporder": return "Cassandra OpOrder barrier";
            case "phaser": return "Phaser arrive + awaitAdvance (10 ms cap)";
            default: return impl;
        }
    }

    /** Labels of the read/write locks as whole locks (not their read side). */
    static String lockLabel(String impl) {
        switch (impl) {
            case "rwsem": return "RwSemaphore";
            case "rrwl": return "ReentrantReadWriteLock";
            case "stamped": return "StampedLock";
            case "async-rwlock": return "asyncutil AsyncReadWriteLock";
            default: return impl;
        }
    }

    /**
     * Renders the report.
     *
     * @param args results directory, docs directory
     * @throws IOException if reading or writing fails
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Report RESULTS_DIR DOCS_DIR");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        Report r = new Report();
        Path results = Path.of(args[0]);
        r.load(results);
        r.docs = Path.of(args[1]);
        Files.createDirectories(r.docs);
        Path data = r.docs.resolve(DATA);
        if (!Files.exists(data) || !Files.isSameFile(results, data)) {
            keep(results, data);
        }
        r.render();
        Path out = r.docs.resolve("performance.md");
        Files.writeString(out, r.md.toString(), StandardCharsets.UTF_8);
        System.out.println("report: wrote " + out + " and its charts");
    }

    /** Where, under the docs directory, the results the report was drawn from are kept. */
    static final String DATA = "data";

    /**
     * Keeps the results of the run the report is drawn from in {@code data}, replacing what was
     * there, so that the report can be drawn again without running anything
     * ({@code Report docs/data docs}). JMH's JSON is kept with only what the report reads — scores,
     * errors, units, and percentiles in sample mode — without the per-iteration raw data, the
     * confidence intervals (score ± error) and the percentiles of throughput and secondary
     * metrics, one result per line; the footprint JSON and the run description are copied as they
     * are.
     */
    static void keep(Path results, Path data) throws IOException {
        Files.createDirectories(data);
        try (DirectoryStream<Path> old = Files.newDirectoryStream(data, "*.{json,properties}")) {
            for (Path f : old) {
                Files.delete(f);
            }
        }
        Gson gson = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(results, "*.{json,properties}")) {
            for (Path f : files) {
                Path to = data.resolve(f.getFileName());
                String name = f.getFileName().toString();
                if (!name.endsWith(".json") || name.equals("footprint.json")) {
                    Files.copy(f, to);
                    continue;
                }
                JsonElement root;
                try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                    root = JsonParser.parseReader(r);
                } catch (RuntimeException e) {
                    continue;                              // not JMH JSON: the report skipped it too
                }
                if (!root.isJsonArray()) {
                    continue;
                }
                StringBuilder b = new StringBuilder("[\n");
                JsonArray all = root.getAsJsonArray();
                for (int i = 0; i < all.size(); i++) {
                    JsonObject o = all.get(i).getAsJsonObject();
                    boolean sample = o.has("mode") && o.get("mode").getAsString().equals("sample");
                    strip(o.getAsJsonObject("primaryMetric"), sample);
                    if (o.has("secondaryMetrics")) {
                        for (Map.Entry<String, JsonElement> m : o.getAsJsonObject("secondaryMetrics").entrySet()) {
                            strip(m.getValue().getAsJsonObject(), false);
                        }
                    }
                    b.append(gson.toJson(o)).append(i + 1 < all.size() ? ",\n" : "\n");
                }
                Files.writeString(to, b.append("]\n"), StandardCharsets.UTF_8);
            }
        }
        System.out.println("report: kept this run's results in " + data);
    }

    /** Leaves a metric's score, error and unit, and its percentiles if asked (sample mode: the median). */
    private static void strip(JsonObject metric, boolean percentiles) {
        if (metric != null) {
            metric.remove("rawData");
            metric.remove("rawDataHistogram");
            metric.remove("scoreConfidence");              // score ± error
            if (!percentiles) {
                metric.remove("scorePercentiles");
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Input

    private void load(Path dir) throws IOException {
        Path infoFile = dir.resolve("run-info.properties");
        if (Files.exists(infoFile)) {
            try (Reader r = Files.newBufferedReader(infoFile, StandardCharsets.UTF_8)) {
                info.load(r);
            }
        }
        Path fp = dir.resolve("footprint.json");
        if (Files.exists(fp)) {
            footprint = Footprint.read(fp);
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            List<Path> sorted = new ArrayList<>();
            files.forEach(sorted::add);
            sorted.sort(null);
            for (Path f : sorted) {
                if (!f.getFileName().toString().equals("footprint.json")) {
                    parse(f);
                }
            }
        }
    }

    private void parse(Path f) throws IOException {
        JsonElement root;
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            root = JsonParser.parseReader(r);
        } catch (RuntimeException e) {
            System.err.println("report: skipping " + f + ": not JMH JSON (" + e.getMessage() + ")");
            return;
        }
        if (!root.isJsonArray()) {
            return;
        }
        for (JsonElement e : root.getAsJsonArray()) {
            JsonObject o = e.getAsJsonObject();
            Result r = new Result();
            r.file = f.getFileName().toString();
            String bench = o.get("benchmark").getAsString();
            int dot = bench.lastIndexOf('.');
            r.benchClass = bench.substring(bench.lastIndexOf('.', dot - 1) + 1, dot);
            r.method = bench.substring(dot + 1);
            r.mode = o.get("mode").getAsString();
            r.threads = o.get("threads").getAsInt();
            if (o.has("params")) {
                for (Map.Entry<String, JsonElement> p : o.getAsJsonObject("params").entrySet()) {
                    r.params.put(p.getKey(), p.getValue().getAsString());
                }
            }
            JsonObject pm = o.getAsJsonObject("primaryMetric");
            r.score = num(pm.get("score"));
            r.error = num(pm.get("scoreError"));
            r.unit = pm.get("scoreUnit").getAsString();
            if (pm.has("scorePercentiles")) {
                for (Map.Entry<String, JsonElement> p : pm.getAsJsonObject("scorePercentiles").entrySet()) {
                    r.percentiles.put(p.getKey(), num(p.getValue()));
                }
            }
            if (o.has("secondaryMetrics")) {
                for (Map.Entry<String, JsonElement> s : o.getAsJsonObject("secondaryMetrics").entrySet()) {
                    JsonObject m = s.getValue().getAsJsonObject();
                    r.secondary.put(s.getKey(), new double[] {num(m.get("score")), num(m.get("scoreError"))});
                }
            }
            results.add(r);
        }
    }

    private static double num(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return Double.NaN;
        }
        try {
            return e.getAsDouble();
        } catch (NumberFormatException ex) {
            return Double.NaN;                             // JMH writes "NaN" for a single sample
        }
    }

    private List<Result> select(String benchClass, Predicate<Result> p) {
        List<Result> out = new ArrayList<>();
        for (Result r : results) {
            if (r.benchClass.equals(benchClass) && p.test(r)) {
                out.add(r);
            }
        }
        return out;
    }

    private Result one(String benchClass, Predicate<Result> p) {
        List<Result> l = select(benchClass, p);
        return l.isEmpty() ? null : l.get(l.size() - 1);
    }

    // ------------------------------------------------------------------------------------------
    // Output

    private void render() throws IOException {
        header();
        scaling();
        ratios();
        handOff();
        waitForReaders();
        readWrite();
        kill();
        footprintPart();
        appendix();
    }

    private String caption() {
        return String.format(Locale.ROOT, "Command: `%s` (JMH %s) · %s · %s · %s · load average %s → %s",
                info.getProperty("command", "?"), info.getProperty("jmh_options", "?"), info.getProperty("date", "?"),
                info.getProperty("java", "?"), info.getProperty("machine", "?"),
                info.getProperty("load_before", "?"), info.getProperty("load_after", "?"));
    }

    private void header() {
        md.append("# Quiesce performance report\n\n");
        String label = info.getProperty("label", "");
        if (!label.isEmpty()) {
            md.append("> **").append(label).append("**\n\n");
        }
        md.append(String.format(Locale.ROOT, "- Command: `%s` — profile `%s`, JMH options `%s`%n",
                info.getProperty("command", "?"), info.getProperty("mode", "?"), info.getProperty("jmh_options", "?")));
        md.append("- Date: ").append(info.getProperty("date", "?")).append('\n');
        md.append("- JDK: ").append(info.getProperty("java", "?")).append('\n');
        md.append("- Machine: ").append(info.getProperty("machine", "?")).append('\n');
        md.append("- Load average (1, 5, 15 min) before → after: ").append(info.getProperty("load_before", "?"))
                .append(" → ").append(info.getProperty("load_after", "?")).append("\n\n");
        md.append("Scores are JMH's mean ± its 99.9 % confidence half-width (none, and \"error unknown\", when\n"
                + "a run had too few iterations for JMH to give one). A ratio *a/b* is given with the\n"
                + "range its errors allow: (a − ea)/(b + eb) to (a + ea)/(b − eb). On a 2-core machine absolute\n"
                + "figures are indications; compare peers measured in the same run. Charts of ratios, latencies and\n"
                + "per-peer throughput use a logarithmic axis and draw each score (or ratio) as a point with the range its\n"
                + "errors allow as a line; an open side (the error reaches the score) is dashed to the edge of the plot.\n"
                + "The scaling charts draw the scores only — the table under them gives every error. Under each chart,\n"
                + "*where peers win* is computed from the scores: beyond the errors means the peer's worst case beats the\n"
                + "Quiesce method's best case.\n\n");
        md.append("The JSON this report was drawn from is kept in [data/](data/) (what the report reads: scores, errors,\n"
                + "units, sample-mode percentiles); `java -Djava.awt.headless=true -cp quiesce-jmh/target/benchmarks.jar dev.quiesce.jmh.Report docs/data docs`\n"
                + "draws it again.\n\n");
    }

    private void chartCaption() {
        md.append("\n<sub>").append(caption()).append("</sub>\n\n");
    }

    // --- Where peers win

    /**
     * The captions' "where peers win", computed from the scores: a peer wins beyond the errors
     * when even its worst case beats the Quiesce method's best case (higher is better:
     * p − ep &gt; q + eq; lower is better: p + ep &lt; q − eq); it is ahead on the mean only when its
     * score is better but the errors overlap. An unknown error never counts as beyond.
     */
    static final class Wins {
        private final boolean higherIsBetter;
        private final String unit;
        /** peer -> Quiesce method -> contexts, in the order met. */
        private final Map<String, Map<String, List<String>>> beyond = new LinkedHashMap<>();
        private final Map<String, Map<String, List<String>>> meanOnly = new LinkedHashMap<>();
        private final Map<String, Map<String, List<String>>> quiesceBeyond = new LinkedHashMap<>();
        private final Map<String, Map<String, List<String>>> open = new LinkedHashMap<>();

        /** Appended to a list of contexts, e.g. " threads" for "(at 1, 2 threads)". */
        private String contextUnit = "";

        Wins(boolean higherIsBetter, String unit) {
            this.higherIsBetter = higherIsBetter;
            this.unit = unit;
        }

        Wins contextUnit(String u) {
            contextUnit = u;
            return this;
        }

        /** Compares a peer's {score, error} with a Quiesce method's; null values are skipped. */
        Wins compare(String peer, double[] p, String quiesce, double[] q, String context) {
            if (p == null || q == null || !(p[0] > 0) || !(q[0] > 0)) {
                return this;
            }
            double ep = Double.isFinite(p[1]) ? p[1] : Double.POSITIVE_INFINITY;
            double eq = Double.isFinite(q[1]) ? q[1] : Double.POSITIVE_INFINITY;
            boolean peerAhead = higherIsBetter ? p[0] > q[0] : p[0] < q[0];
            boolean peerBeyond = higherIsBetter ? p[0] - ep > q[0] + eq : p[0] + ep < q[0] - eq;
            boolean quiesceBeyondNow = higherIsBetter ? q[0] - eq > p[0] + ep : q[0] + eq < p[0] - ep;
            if (peerBeyond) {
                add(beyond, peer, quiesce, (context.isEmpty() ? "" : context + contextUnit + ": ")
                        + pm(p[0], p[1]) + " against " + pm(q[0], q[1]) + unit);
            } else if (quiesceBeyondNow) {
                add(quiesceBeyond, quiesce, peer, context);
            } else {
                add(open, quiesce, peer, context);
                if (peerAhead) {
                    add(meanOnly, peer, quiesce, context);
                }
            }
            return this;
        }

        private static void add(Map<String, Map<String, List<String>>> m, String peer, String quiesce, String ctx) {
            m.computeIfAbsent(peer, k -> new LinkedHashMap<>()).computeIfAbsent(quiesce, k -> new ArrayList<>()).add(ctx);
        }

        /** "peer over q1 (ctx, ctx), q2; peer2 over …" (or the other way round). */
        private String list(Map<String, Map<String, List<String>>> m, String versus, boolean unitAfter) {
            StringBuilder b = new StringBuilder();
            for (Map.Entry<String, Map<String, List<String>>> p : m.entrySet()) {
                if (b.length() > 0) {
                    b.append("; ");
                }
                b.append("**").append(p.getKey()).append("**").append(versus);
                boolean first = true;
                for (Map.Entry<String, List<String>> q : p.getValue().entrySet()) {
                    b.append(first ? "" : ", ").append(q.getKey());
                    List<String> ctx = new ArrayList<>(q.getValue());
                    ctx.removeIf(String::isEmpty);
                    if (!ctx.isEmpty()) {
                        b.append(" (").append(unitAfter && !contextUnit.isEmpty() ? "at " : "").append(String.join(unitAfter ? ", " : "; ", ctx))
                                .append(unitAfter ? contextUnit : "").append(')');
                    }
                    first = false;
                }
            }
            return b.toString();
        }

        /** The caption line: where peers win beyond the errors, and where they lead on the mean only. */
        String text() {
            StringBuilder b = new StringBuilder("*Where peers win (computed from this run):* ");
            b.append(beyond.isEmpty() ? "no peer wins beyond the errors." : "beyond the errors — " + list(beyond, " over ", false) + ".");
            if (!meanOnly.isEmpty()) {
                b.append(" Ahead on the mean only, within the errors — ").append(list(meanOnly, " over ", true)).append('.');
            }
            return b.append('\n').toString();
        }

        /** For ratio charts: also where Quiesce wins beyond the errors and where nothing is resolved. */
        String ratioText() {
            StringBuilder b = new StringBuilder(text());
            b.append("\n*Quiesce faster beyond the errors:* ").append(quiesceBeyond.isEmpty() ? "nowhere" : list(quiesceBeyond, " over ", true))
                    .append(". *Not resolved (the range includes 1×):* ").append(open.isEmpty() ? "none" : list(open, " vs ", true)).append(".\n");
            return b.toString();
        }
    }

    // --- Scaling

    private void scaling() throws IOException {
        List<Result> rs = select("ScalingBenchmark", r -> r.method.equals("pair"));
        if (rs.isEmpty()) {
            return;
        }
        md.append("## Read-side pair: throughput against threads\n\n");
        md.append("Begin + end one read section on the same thread, all threads on one instance (`ScalingBenchmark`),\n"
                + "total ops/µs over all threads. **2 cores: at 4, 8 and 64 threads the threads outnumber the cores\n"
                + "(64 threads = 32 per core, time-sliced)** — those points show whether throughput holds up under\n"
                + "preemption, not more parallelism.\n\n");
        String title = "Read-side pair, total ops/µs (log) — 2 cores: 4, 8, 64 threads oversubscribed";
        scalingPart("scaling-quiesce.png", title + " — Quiesce", "Read-side pair scaling, Quiesce forms", rs,
                concat(QUIESCE, List.of("longadder")));
        scalingPart("scaling-jdk.png", title + " — JDK", "Read-side pair scaling against the JDK", rs,
                concat(List.of("srcu-int", "rwsem-token"), JDK));
        scalingPart("scaling-libraries.png", title + " — libraries", "Read-side pair scaling against OpOrder and asyncutil", rs,
                concat(List.of("srcu-int", "rwsem-token"), LIBRARIES));
        chartCaption();
        md.append("| read side | ");
        for (String t : THREADS) {
            md.append(t).append(" thread").append(t.equals("1") ? "" : "s").append(t.equals("64") ? " (32/core)" : "").append(" | ");
        }
        md.append("B/op at 2 threads |\n|---|");
        THREADS.forEach(t -> md.append("---:|"));
        md.append("---:|\n");
        for (String impl : concat(concat(QUIESCE, JDK), LIBRARIES)) {
            List<Result> row = select("ScalingBenchmark", r -> r.method.equals("pair") && r.param("impl").equals(impl));
            if (row.isEmpty()) {
                continue;
            }
            md.append("| ").append(label(impl)).append(" | ");
            for (String t : THREADS) {
                Result r = find(row, t);
                md.append(r == null ? "—" : pm(r.score, r.error)).append(" | ");
            }
            Result r2 = find(row, "2");
            md.append(r2 == null ? "—" : bytes(r2.secondaryScore("·gc.alloc.rate.norm"))).append(" |\n");
        }
        md.append('\n');
    }

    private static Result find(List<Result> rs, String threads) {
        for (Result r : rs) {
            if (String.valueOf(r.threads).equals(threads)) {
                return r;
            }
        }
        return null;
    }

    /** One scaling chart, and where the peers on it beat the Quiesce forms on it (thread by thread). */
    private void scalingPart(String file, String title, String alt, List<Result> rs, List<String> impls) throws IOException {
        if (!scalingChart(file, title, rs, impls)) {
            return;
        }
        md.append("![").append(alt).append("](").append(file).append(")\n\n");
        Wins w = new Wins(true, " ops/µs").contextUnit(" threads");
        for (String t : THREADS) {
            for (String peer : impls) {
                if (QUIESCE.contains(peer)) {
                    continue;
                }
                Result p = find(select("ScalingBenchmark", q -> q.method.equals("pair") && q.param("impl").equals(peer)), t);
                for (String quiesce : impls) {
                    if (QUIESCE.contains(quiesce)) {
                        Result q = find(select("ScalingBenchmark", r -> r.method.equals("pair") && r.param("impl").equals(quiesce)), t);
                        w.compare(label(peer), value(p), label(quiesce), value(q), t);
                    }
                }
            }
        }
        md.append(w.text()).append('\n');
    }

    private boolean scalingChart(String file, String title, List<Result> rs, List<String> impls) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(1100).height(620).title(title)
                .xAxisTitle("benchmark threads on 2 cores (64 = 32 per core)").yAxisTitle("ops/µs, all threads (log scale)").build();
        style(c);
        c.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        c.getStyler().setOverlapped(true);                 // every series at the category's centre
        c.getStyler().setYAxisLogarithmic(true);
        boolean any = false;
        for (String impl : impls) {
            List<Double> y = new ArrayList<>();
            List<Double> e = new ArrayList<>();
            List<String> x = new ArrayList<>();
            for (String t : THREADS) {
                Result r = find(select("ScalingBenchmark", q -> q.method.equals("pair") && q.param("impl").equals(impl)), t);
                if (r != null && r.score > 0) {
                    x.add(t);
                    y.add(r.score);
                    e.add(finite(r.error));
                }
            }
            if (x.size() == THREADS.size()) {
                CategorySeries s = c.addSeries(label(impl), x, y);   // log axis: no error bars (see decades)
                s.setMarker(SeriesMarkers.CIRCLE);
                if (QUIESCE.contains(impl)) {
                    s.setLineStyle(new BasicStroke(3f));
                } else {
                    s.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
                }
                any = true;
            }
        }
        if (any) {
            decades(c);
            save(c, file);
        }
        return any;
    }

    // --- Ratios

    private void ratios() throws IOException {
        boolean haveScaling = !select("ScalingBenchmark", r -> r.threads == 2).isEmpty();
        boolean haveHandOff = !select("HandOffBenchmark", r -> true).isEmpty();
        if (!haveScaling && !haveHandOff) {
            return;
        }
        md.append("## Ratios to the peers\n\n");
        md.append("How many times the Quiesce form's throughput is the peer's, for the read-side pair at 2 threads (one\n"
                + "per core) and for the hand-off pair (begun on one core, ended on the other). Logarithmic axis: 2× faster\n"
                + "and 2× slower lie equally far from the 1× line. The point is the ratio of the scores; the line spans\n"
                + "the range the two errors allow, (a − ea)/(b + eb) to (a + ea)/(b − eb). A ratio is never negative: where\n"
                + "a − ea ≤ 0 the low end is open, where b − eb ≤ 0 the high end is, and an open side is drawn dashed to\n"
                + "the edge of the plot (so is a bound beyond the axis); the table below gives every bound.\n\n");
        List<String> peers = concat(JDK, LIBRARIES);
        if (haveScaling) {
            Value pair = impl -> value(one("ScalingBenchmark", r -> r.threads == 2 && r.param("impl").equals(impl)));
            ratioChart("ratios-read-pair.png", "Read-side pair at 2 threads on 2 cores: Quiesce throughput / peer throughput", peers, pair);
            md.append("![Ratios, read-side pair](ratios-read-pair.png)\n\n");
            md.append(ratioWins(peers, pair).ratioText()).append('\n');
        }
        if (haveHandOff) {
            Value handOff = this::handOffValue;
            ratioChart("ratios-hand-off.png", "Hand-off pair (begun on one core, ended on the other): Quiesce / peer", peers, handOff);
            md.append("![Ratios, hand-off pair](ratios-hand-off.png)\n\n");
            md.append(ratioWins(peers, handOff).ratioText()).append('\n');
        }
        chartCaption();
        md.append("| peer | read pair, 2 threads: Srcu int / peer | read pair: RwSemaphore token / peer | hand-off: Srcu int / peer | hand-off: RwSemaphore token / peer |\n");
        md.append("|---|---:|---:|---:|---:|\n");
        for (String p : peers) {
            double[] sr = value(one("ScalingBenchmark", r -> r.threads == 2 && r.param("impl").equals("srcu-int")));
            double[] rr = value(one("ScalingBenchmark", r -> r.threads == 2 && r.param("impl").equals("rwsem-token")));
            double[] pr = value(one("ScalingBenchmark", r -> r.threads == 2 && r.param("impl").equals(p)));
            double[] sh = handOffValue("srcu-int");
            double[] rh = handOffValue("rwsem-token");
            double[] ph = handOffValue(p);
            md.append("| ").append(label(p)).append(" | ").append(ratio(sr, pr)).append(" | ").append(ratio(rr, pr))
                    .append(" | ").append(ratio(sh, ph)).append(" | ").append(ratio(rh, ph)).append(" |\n");
        }
        md.append('\n');
    }

    private static Wins ratioWins(List<String> peers, Value v) {
        Wins w = new Wins(true, " ops/µs");
        for (String p : peers) {
            for (String q : List.of("srcu-int", "rwsem-token")) {
                w.compare(label(p), v.of(p), label(q), v.of(q), "");
            }
        }
        return w;
    }

    private interface Value {
        double[] of(String impl);
    }

    /** {score, error}; the error is NaN when JMH had too few samples to give one. */
    private static double[] value(Result r) {
        return r == null ? null : new double[] {r.score, r.error};
    }

    private double[] handOffValue(String impl) {
        Result r = one("HandOffBenchmark", q -> q.param("impl").equals(impl));
        if (r == null || !r.secondary.containsKey("end")) {
            return null;
        }
        return new double[] {r.secondaryScore("end"), r.secondaryError("end")};
    }

    private void ratioChart(String file, String title, List<String> peers, Value v) throws IOException {
        RangeChart c = new RangeChart(title, "Quiesce throughput / peer throughput (×, log scale; right of 1×: Quiesce faster)", true);
        for (String p : peers) {
            if (v.of(p) != null) {
                c.row(label(p));
            }
        }
        for (String q : List.of("srcu-int", "rwsem-token")) {
            double[] a = v.of(q);
            if (a == null) {
                continue;
            }
            List<double[]> points = new ArrayList<>();
            for (String p : peers) {
                double[] b = v.of(p);
                if (b != null) {
                    points.add(ratioRange(a, b));
                }
            }
            c.series(label(q) + " / peer", points);
        }
        c.save(docs, file);
    }

    /**
     * {ratio, low, high} of a/b within the errors: low = (a − ea)/(b + eb), high = (a + ea)/(b − eb).
     * A side the errors leave open is 0 (low: a − ea ≤ 0) or infinite (high: b − eb ≤ 0); both
     * are open when an error is unknown (NaN).
     */
    static double[] ratioRange(double[] a, double[] b) {
        double r = a[0] / b[0];
        if (!Double.isFinite(a[1]) || !Double.isFinite(b[1])) {
            return new double[] {r, 0, Double.POSITIVE_INFINITY};
        }
        double lo = (a[0] - a[1]) / (b[0] + b[1]);
        double hi = b[0] - b[1] > 0 ? (a[0] + a[1]) / (b[0] - b[1]) : Double.POSITIVE_INFINITY;
        return new double[] {r, Math.max(0, lo), hi};
    }

    /** {score, score − error, score + error}; the low end is 0 (open) when the error reaches 0. */
    static double[] scoreRange(double score, double error) {
        if (!Double.isFinite(error)) {
            return new double[] {score, 0, Double.POSITIVE_INFINITY};
        }
        return new double[] {score, Math.max(0, score - error), score + error};
    }

    /**
     * A ratio with the range its errors allow, e.g. "10.3× (7.86–13.8)", "8.92× (1.85 or more)",
     * "3.22× (up to 57.1)", "1.46× (unbounded: the errors exceed the scores)": a ratio of two
     * throughputs is never negative, so a low end at or below 0 is stated as open.
     */
    static String ratio(double[] a, double[] b) {
        if (a == null || b == null) {
            return "—";
        }
        if (!Double.isFinite(a[1]) || !Double.isFinite(b[1])) {
            return sig(a[0] / b[0]) + "× (error unknown)";
        }
        double[] r = ratioRange(a, b);
        boolean loOpen = r[1] <= 0;
        boolean hiOpen = Double.isInfinite(r[2]);
        String range = loOpen && hiOpen ? "unbounded: the errors exceed the scores"
                : loOpen ? "up to " + sig(r[2])
                : hiOpen ? sig(r[1]) + " or more"
                : sig(r[1]) + "–" + sig(r[2]);
        return String.format(Locale.ROOT, "%s× (%s)", sig(r[0]), range);
    }

    // --- Hand-off

    private void handOff() throws IOException {
        List<Result> rs = select("HandOffBenchmark", r -> true);
        if (rs.isEmpty()) {
            return;
        }
        md.append("## Hand-off pair\n\n");
        md.append("A section begun on one thread and ended on another (`HandOffBenchmark`): a producer begins sections\n"
                + "and passes them through a bounded SPSC ring (1024 slots, the same ring for every peer) to a\n"
                + "consumer that ends them, one thread per core. Score: sections completed per µs. `ReentrantReadWriteLock`\n"
                + "cannot take part: its read lock belongs to the locking thread.\n\n");
        RangeChart c = new RangeChart("Hand-off pair: sections begun on one core and ended on the other, per µs",
                "hand-offs/µs (log scale; right is faster), score ± error", false);
        List<double[]> ours = new ArrayList<>();
        List<double[]> theirs = new ArrayList<>();
        Wins w = new Wins(true, " hand-offs/µs");
        md.append("| read side | hand-offs/µs | B per section |\n|---|---:|---:|\n");
        for (String impl : concat(concat(QUIESCE, JDK), LIBRARIES)) {
            double[] v = handOffValue(impl);
            if (v == null) {
                continue;
            }
            Result r = one("HandOffBenchmark", q -> q.param("impl").equals(impl));
            c.row(label(impl));
            ours.add(QUIESCE.contains(impl) ? scoreRange(v[0], v[1]) : null);
            theirs.add(QUIESCE.contains(impl) ? null : scoreRange(v[0], v[1]));
            md.append("| ").append(label(impl)).append(" | ").append(pm(v[0], v[1])).append(" | ")
                    .append(bytes(2 * r.secondaryScore("·gc.alloc.rate.norm"))).append(" |\n");
            if (!QUIESCE.contains(impl)) {
                for (String q : QUIESCE) {
                    w.compare(label(impl), v, label(q), handOffValue(q), "");
                }
            }
        }
        if (!ours.isEmpty()) {
            c.series("Quiesce", ours).series("peers", theirs);
            c.save(docs, "hand-off.png");
            md.append("\n![Hand-off pair](hand-off.png)\n\n").append(w.text());
            chartCaption();
        }
    }

    // --- Wait for older readers

    private void waitForReaders() throws IOException {
        List<Result> rs = select("WaitForReadersBenchmark", r -> r.method.equals("waitForOlderReaders"));
        if (rs.isEmpty()) {
            return;
        }
        md.append("## Waiting for older readers (grace-period latency)\n\n");
        md.append("One call that returns when every section begun before it has ended (`WaitForReadersBenchmark`),\n"
                + "µs per call: with no reader; with one short reader (1 µs sections, 1 µs gaps); with a steady\n"
                + "stream (hand over hand: a section is always open). `Phaser` cannot tell older readers from newer\n"
                + "ones, so a stream holds it for ever: its waits are cut at 10 ms and counted as timeouts.\n\n");
        List<String> loads = List.of("none", "short", "stream");
        List<String> loadNames = List.of("no reader", "one short reader", "reader stream");
        List<String> impls = List.of("srcu", "srcu-expedited", "oporder", "phaser");
        RangeChart c = new RangeChart("Wait for older readers: µs per call — Phaser under a stream times out at 10 ms",
                "µs per wait (log scale; left is faster), score ± error", false);
        loadNames.forEach(c::row);
        Wins w = new Wins(false, " µs");
        md.append("| updater | no reader (µs) | one short reader (µs) | reader stream (µs) | 10 ms timeouts under the stream (JMH's count) |\n|---|---:|---:|---:|---:|\n");
        for (String impl : impls) {
            List<double[]> points = new ArrayList<>();
            md.append("| ").append(waitLabel(impl)).append(" | ");
            Result stream = null;
            for (int k = 0; k < loads.size(); k++) {
                String load = loads.get(k);
                Result r = waitResult(impl, load);
                md.append(r == null ? "—" : pm(r.score, r.error)).append(" | ");
                points.add(r == null ? null : scoreRange(r.score, r.error));
                if (load.equals("stream")) {
                    stream = r;
                }
                if (!impl.startsWith("srcu")) {
                    for (String q : List.of("srcu", "srcu-expedited")) {
                        w.compare(waitLabel(impl), value(r), waitLabel(q), value(waitResult(q, load)), loadNames.get(k));
                    }
                }
            }
            md.append(stream == null || Double.isNaN(stream.secondaryScore("timeouts")) ? "—"
                    : String.format(Locale.ROOT, "%.0f", stream.secondaryScore("timeouts"))).append(" |\n");
            c.series(waitLabel(impl), points);
        }
        c.save(docs, "grace-period.png");
        md.append("\n![Grace-period latency](grace-period.png)\n\n").append(w.text());
        chartCaption();
        Result srcuStream = one("WaitForReadersBenchmark", q -> q.param("impl").equals("srcu") && q.param("load").equals("stream"));
        Result orderStream = one("WaitForReadersBenchmark", q -> q.param("impl").equals("oporder") && q.param("load").equals("stream"));
        Result srcuNone = one("WaitForReadersBenchmark", q -> q.param("impl").equals("srcu") && q.param("load").equals("none"));
        Result orderNone = one("WaitForReadersBenchmark", q -> q.param("impl").equals("oporder") && q.param("load").equals("none"));
        if (srcuStream != null && orderStream != null && srcuNone != null && orderNone != null) {
            md.append("OpOrder barrier / `Srcu.synchronize()` time (above 1: Srcu waits less): no reader ")
                    .append(ratio(value(orderNone), value(srcuNone))).append("; reader stream ")
                    .append(ratio(value(orderStream), value(srcuStream))).append(".\n\n");
        }
    }

    private Result waitResult(String impl, String load) {
        return one("WaitForReadersBenchmark", q -> q.method.equals("waitForOlderReaders")
                && q.param("impl").equals(impl) && q.param("load").equals(load));
    }

    // --- Read/write

    private void readWrite() throws IOException {
        List<Result> rs = select("ReadWriteBenchmark", r -> true);
        if (rs.isEmpty()) {
            return;
        }
        md.append("## Writer fencing readers, and a 95/5 mix\n\n");
        md.append("`ReadWriteBenchmark`, two threads per group: `fence` — one thread only reads, the other only\n"
                + "writes (each write fences the reader); `mix` — one thread reads, the other writes one operation in\n"
                + "ten (5 % writes overall). Blocking forms; ops/µs per thread.\n\n");
        List<String> impls = List.of("rwsem", "rrwl", "stamped", "async-rwlock");
        String[][] cols = {{"fence", "fenceReader"}, {"fence", "fenceWriter"}, {"mix", "mixReader"}, {"mix", "mixMixed"}};
        String[] names = {"fence: reader", "fence: writer", "95/5: reader", "95/5: mixed (1 write in 10)"};
        RangeChart c = new RangeChart("Writer fencing readers, and a 95/5 mix: ops/µs per thread (2 threads, 2 cores)",
                "ops/µs per thread (log scale; right is faster), score ± error", false);
        for (String name : names) {
            c.row(name);
        }
        Wins w = new Wins(true, " ops/µs");
        md.append("| implementation | fence: reader | fence: writer | 95/5: reader | 95/5: mixed | 95/5 total vs RwSemaphore |\n|---|---:|---:|---:|---:|---:|\n");
        Result rwsemMix = one("ReadWriteBenchmark", q -> q.method.equals("mix") && q.param("impl").equals("rwsem"));
        for (String impl : impls) {
            md.append("| ").append(lockLabel(impl)).append(" | ");
            List<double[]> points = new ArrayList<>();
            for (int k = 0; k < cols.length; k++) {
                double[] v = rwValue(impl, cols[k]);
                md.append(v == null ? "—" : pm(v[0], v[1])).append(" | ");
                points.add(v == null ? null : scoreRange(v[0], v[1]));
                if (!impl.equals("rwsem")) {
                    w.compare(lockLabel(impl), v, lockLabel("rwsem"), rwValue("rwsem", cols[k]), names[k]);
                }
            }
            Result mix = one("ReadWriteBenchmark", q -> q.method.equals("mix") && q.param("impl").equals(impl));
            md.append(ratio(value(mix), value(rwsemMix))).append(" |\n");
            c.series(lockLabel(impl), points);
        }
        md.append("\n(The last column is the group's total throughput, reads and writes, over RwSemaphore's.)\n");
        c.save(docs, "read-write.png");
        md.append("\n![Writer fencing and 95/5 mix](read-write.png)\n\n").append(w.text());
        chartCaption();
    }

    /** {score, error} of one thread's secondary result in a ReadWriteBenchmark group, or null. */
    private double[] rwValue(String impl, String[] col) {
        Result r = one("ReadWriteBenchmark", q -> q.method.equals(col[0]) && q.param("impl").equals(impl));
        return r == null || !r.secondary.containsKey(col[1]) ? null : new double[] {r.secondaryScore(col[1]), r.secondaryError(col[1])};
    }

    // --- Kill

    private void kill() throws IOException {
        List<Result> rs = select("KillBenchmark", r -> true);
        if (rs.isEmpty()) {
            return;
        }
        md.append("## Permanent close over in-flight readers\n\n");
        md.append("`KillBenchmark`: a fresh object per call with 0, 1 or 1000 sections in flight, begun on the\n"
                + "benchmark thread and ended by a helper thread as soon as it sees the close begin; µs from the call\n"
                + "to its return with the object dead (sample mode: mean ± error, and the median).\n\n");
        List<String> impls = List.of("rwsem", "revocable", "async-epoch", "open-coded");
        List<String> counts = List.of("0", "1", "1000");
        RangeChart c = new RangeChart("Permanent close over in-flight sections: µs per close, mean",
                "µs per close (log scale; left is faster), mean ± error", false);
        counts.forEach(n -> c.row(n + " in flight"));
        Wins w = new Wins(false, " µs").contextUnit(" in flight");
        md.append("| close | 0 in flight: mean (median) µs | 1 in flight | 1000 in flight |\n|---|---:|---:|---:|\n");
        for (String impl : impls) {
            md.append("| ").append(killLabel(impl)).append(" | ");
            List<double[]> points = new ArrayList<>();
            for (String n : counts) {
                Result r = killResult(impl, n);
                points.add(r == null ? null : scoreRange(r.score, r.error));
                if (r == null) {
                    md.append("— | ");
                } else {
                    Double p50 = r.percentiles.get("50.0");
                    md.append(pm(r.score, r.error)).append(p50 == null ? "" : " (" + sig(p50) + ")").append(" | ");
                }
                if (impl.equals("async-epoch") || impl.equals("open-coded")) {
                    for (String q : List.of("rwsem", "revocable")) {
                        w.compare(killLabel(impl), value(r), killLabel(q), value(killResult(q, n)), n);
                    }
                }
            }
            md.append('\n');
            c.series(killLabel(impl), points);
        }
        c.save(docs, "kill.png");
        md.append("\n![Permanent close](kill.png)\n\n").append(w.text());
        chartCaption();
    }

    private Result killResult(String impl, String inFlight) {
        return one("KillBenchmark", q -> q.param("impl").equals(impl) && q.param("inFlight").equals(inFlight));
    }

    static String killLabel(String impl) {
        switch (impl) {
            case "rwsem": return "RwSemaphore.kill()";
            case "revocable": return "Revocable.revoke()";
            case "async-epoch": return "AsyncEpoch.terminate()";
            case "open-coded": return "AtomicInteger + latch close()";
            default: return impl;
        }
    }

    // --- Footprint

    private void footprintPart() throws IOException {
        if (footprint == null) {
            return;
        }
        md.append("## Footprint\n\n");
        md.append("`dev.quiesce.jmh.Footprint` (JOL and heap readings after full GCs, ").append(footprint.gc).append("):\n"
                + "idle per-object instances, and a million sections in flight on one object with a grace period or\n"
                + "a permanent close over them.\n\n");
        CategoryChart c = new CategoryChartBuilder().width(1100).height(620)
                .title("Idle per-object instance: retained bytes (JOL, compressed references)")
                .xAxisTitle("instance").yAxisTitle("bytes").build();
        style(c);
        c.getStyler().setXAxisLabelRotation(30);
        c.getStyler().setLegendVisible(false);
        List<String> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (Footprint.IdleRow i : footprint.idle) {
            if (i.name.startsWith("Srcu")) {
                continue;                                  // a domain, not a per-object instance
            }
            x.add(i.name);
            y.add((double) i.jolBytes);
        }
        c.addSeries("bytes", x, y);
        save(c, "footprint.png");
        md.append("![Idle footprint](footprint.png)\n\n").append(footprintWins()).append('\n');
        md.append(Footprint.markdown(footprint)).append('\n');
        md.append("<sub>").append(caption()).append("</sub>\n\n");
    }

    /** Which peers' idle instances are smaller than each Quiesce per-object instance (exact bytes, no error). */
    private String footprintWins() {
        StringBuilder b = new StringBuilder();
        for (Footprint.IdleRow q : footprint.idle) {
            if (!q.name.startsWith("RwSemaphore") && !q.name.startsWith("Revocable")) {
                continue;
            }
            List<String> smaller = new ArrayList<>();
            for (Footprint.IdleRow p : footprint.idle) {
                if (!p.name.startsWith("RwSemaphore") && !p.name.startsWith("Revocable") && !p.name.startsWith("Srcu")
                        && p.jolBytes < q.jolBytes) {
                    smaller.add("`" + p.name + "` " + p.jolBytes + " B");
                }
            }
            b.append(b.length() == 0 ? "" : "; ").append("smaller than `").append(q.name).append("` (").append(q.jolBytes).append(" B): ")
                    .append(smaller.isEmpty() ? "none" : String.join(", ", smaller));
        }
        return b.length() == 0 ? "" : "*Where peers win (exact bytes, computed from this run):* " + b + ".\n";
    }

    // --- Appendix

    private void appendix() {
        md.append("## All results\n\nEvery JMH result of the run, file by file.\n\n");
        Map<String, List<Result>> byFile = new TreeMap<>();
        for (Result r : results) {
            byFile.computeIfAbsent(r.file, k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Result>> f : byFile.entrySet()) {
            md.append("### ").append(f.getKey()).append("\n\n| benchmark | params | threads | mode | score ± error | unit | B/op |\n|---|---|---:|---|---:|---|---:|\n");
            for (Result r : f.getValue()) {
                md.append("| ").append(r.benchClass).append('.').append(r.method).append(" | ")
                        .append(r.params.isEmpty() ? "" : r.params.toString()).append(" | ").append(r.threads).append(" | ")
                        .append(r.mode).append(" | ").append(pm(r.score, r.error)).append(" | ").append(r.unit).append(" | ")
                        .append(bytes(r.secondaryScore("·gc.alloc.rate.norm"))).append(" |\n");
            }
            md.append('\n');
        }
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    private static void style(CategoryChart c) {
        CategoryStyler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setErrorBarsColor(Color.DARK_GRAY);
        s.setAvailableSpaceFill(0.8);
    }

    /**
     * Fits a logarithmic Y axis to whole decades around the data, so that at least two decade
     * labels show and bars have a positive base. Log charts carry no error bars: XChart draws
     * them wrongly on a logarithmic axis; the tables give every error.
     */
    private static void decades(CategoryChart c) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (CategorySeries s : c.getSeriesMap().values()) {
            for (Number n : s.getYData()) {
                double v = n == null ? 0 : n.doubleValue();
                if (v > 0) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (max > 0) {
            double lo = Math.pow(10, Math.floor(Math.log10(min)));
            double hi = Math.pow(10, Math.ceil(Math.log10(max)));
            c.getStyler().setYAxisMin(lo);
            c.getStyler().setYAxisMax(hi > lo ? hi : lo * 10);
        }
    }

    private void save(CategoryChart c, String file) throws IOException {
        Path p = docs.resolve(file);
        BitmapEncoder.saveBitmap(c, p.toString(), BitmapEncoder.BitmapFormat.PNG);
        System.out.println("report: " + p);
    }

    private static double finite(double e) {
        return Double.isFinite(e) ? e : 0.0;
    }

    static String pm(double score, double error) {
        if (!Double.isFinite(error)) {
            return sig(score);
        }
        return sig(score) + " ± " + sig(error);
    }

    static String bytes(double b) {
        if (!Double.isFinite(b)) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.0f", Math.max(0.0, b) < 0.5 ? 0.0 : b);
    }

    /** Three significant digits, plain notation. */
    static String sig(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (a >= 0.01) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
        return String.format(Locale.ROOT, "%.2g", v);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }
}
