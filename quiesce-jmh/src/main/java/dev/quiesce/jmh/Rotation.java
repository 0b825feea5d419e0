package dev.quiesce.jmh;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs benchmarks in rotation: one fork of each member in turn, the round repeated, and each
 * member's score given as a ratio to the first member's score <em>in the same round</em>, with
 * the median and range over the rounds.
 *
 * <p>Why: on this project's 2-core VM the machine's state drifts between forks. In one afternoon
 * {@code StampedLock}'s fence group ran at 60–76 ops/µs in one run and at 94–143 in the next, and
 * an idle {@code Srcu} reader at 43–54 one day and 127–200 the next. Runs of several forks of one
 * member, then several of the next, put such a drift between the members and into their ratio.
 * A rotation puts it inside each round, where the ratio cancels it. {@code docs/measurements.md}
 * has the figures that led to this.
 *
 * <pre>
 * java -cp quiesce-jmh/target/benchmarks.jar dev.quiesce.jmh.Rotation ROUNDS \
 *     'NAME=JMH ARGS' 'NAME=JMH ARGS' ...
 *
 * java -cp quiesce-jmh/target/benchmarks.jar dev.quiesce.jmh.Rotation 8 \
 *     'stamped=ReadWriteBenchmark.fence -p impl=stamped -wi 3 -i 5' \
 *     'rwsem=ReadWriteBenchmark.fence -p impl=rwsem -wi 3 -i 5'
 * </pre>
 *
 * Each member's arguments are JMH's own command line (split at spaces; no quoting), run with one
 * fork and JMH's output silenced. They must select exactly one benchmark and one set of
 * parameters: one result per round. For a {@code @Group} the score is the group's total and its
 * members' scores are printed beside it. The first member is the baseline of the ratios.
 */
public final class Rotation {

    private Rotation() {
    }

    /** One member: a name and the JMH arguments that select its benchmark. */
    record Member(String name, String[] jmhArgs) {

        /** Parses {@code NAME=ARGS}. */
        static Member parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new IllegalArgumentException("a member is NAME=JMH ARGS, not: " + spec);
            }
            String[] args = spec.substring(eq + 1).trim().split("\\s+");
            return new Member(spec.substring(0, eq).trim(), args);
        }
    }

    /** One member's result in one round: the primary score and the secondary ones by label. */
    record Score(double primary, Map<String, Double> secondary) {
    }

    /**
     * Runs the rotation and prints it.
     *
     * @param args ROUNDS, then at least two members
     * @throws Exception if JMH fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Rotation ROUNDS 'NAME=JMH ARGS' 'NAME=JMH ARGS' ...");
            System.exit(2);
        }
        int rounds = Integer.parseInt(args[0]);
        List<Member> members = new ArrayList<>();
        for (String spec : Arrays.copyOfRange(args, 1, args.length)) {
            members.add(Member.parse(spec));
        }
        List<Map<String, Score>> table = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            Map<String, Score> round = new LinkedHashMap<>();
            for (Member m : members) {
                Score s = runOnce(m);
                round.put(m.name(), s);
                System.out.println(line(r, m.name(), s, round.get(members.get(0).name())));
            }
            table.add(round);
        }
        System.out.println();
        System.out.print(summary(members.get(0).name(), table));
    }

    private static Score runOnce(Member m) throws CommandLineOptionException, RunnerException {
        CommandLineOptions cmd = new CommandLineOptions(m.jmhArgs());
        Options opts = new OptionsBuilder().parent(cmd).forks(1).verbosity(VerboseMode.SILENT).build();
        Collection<RunResult> results = new Runner(opts).run();
        if (results.size() != 1) {
            throw new IllegalArgumentException("member " + m.name() + " selected " + results.size()
                    + " benchmark/parameter sets, not one: " + String.join(" ", m.jmhArgs()));
        }
        RunResult rr = results.iterator().next();
        Map<String, Double> secondary = new LinkedHashMap<>();
        rr.getSecondaryResults().forEach((name, result) -> secondary.put(name, result.getScore()));
        return new Score(rr.getPrimaryResult().getScore(), secondary);
    }

    private static String line(int round, String name, Score s, Score base) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "round %d  %-12s %10.3f", round, name, s.primary()));
        b.append(String.format(Locale.ROOT, "  (%.2f of baseline)", s.primary() / base.primary()));
        for (Map.Entry<String, Double> e : s.secondary().entrySet()) {
            b.append(String.format(Locale.ROOT, "  %s %.3f", e.getKey(), e.getValue()));
        }
        return b.toString();
    }

    /**
     * The summary: for each member, its ratio to the baseline in every round, and the median,
     * lowest and highest of those ratios.
     */
    static String summary(String baseline, List<Map<String, Score>> table) {
        StringBuilder b = new StringBuilder();
        b.append("ratio to ").append(baseline).append(" in the same round (median, lowest-highest, each round):\n");
        for (String name : table.get(0).keySet()) {
            double[] ratios = new double[table.size()];
            for (int i = 0; i < table.size(); i++) {
                ratios[i] = table.get(i).get(name).primary() / table.get(i).get(baseline).primary();
            }
            double[] sorted = ratios.clone();
            Arrays.sort(sorted);
            b.append(String.format(Locale.ROOT, "  %-12s median %.2f  %.2f-%.2f  [", name, median(ratios),
                    sorted[0], sorted[sorted.length - 1]));
            for (int i = 0; i < ratios.length; i++) {
                b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", ratios[i]));
            }
            b.append("]\n");
        }
        return b.toString();
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }
}
