package dev.quiesce.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads the fenced blocks of the README and of {@code docs/*.md}, and the {@code // @sample}
 * regions of this module's sources, so that tests can compare them.
 *
 * <p>A block is checked when the line before its opening fence is a marker comment:
 * {@code <!-- sample: PATH#NAME -->} (the region NAME of the source file PATH, relative to the
 * repository root), {@code <!-- output: NAME -->} (what a sample prints, checked by its test) or
 * {@code <!-- dependency: maven|gradle -->} (checked by {@code BuildFilesTest}).
 *
 * <p>With {@code -Dquiesce.updateDocs=true} the tests rewrite the blocks from their sources
 * instead of failing, for a maintainer who changed a sample: review the diff, then commit it.
 */
final class DocSamples {

    static final boolean UPDATE = Boolean.getBoolean("quiesce.updateDocs");

    private static final Pattern MARKER = Pattern.compile("^<!-- (sample|output|dependency): (\\S+) -->$");
    private static final Pattern START = Pattern.compile("^\\s*// @sample (\\S+)$");
    private static final Pattern END = Pattern.compile("^\\s*// @end$");

    private DocSamples() {
    }

    /** A fenced block of a Markdown file: its marker (kind and argument, or null), its language and text. */
    record Block(Path file, int fenceLine, String kind, String argument, String language, String text) {
        String where() {
            return root().relativize(file) + ":" + fenceLine;
        }
    }

    /** A {@code // @sample} region of a source file. */
    record Region(Path file, String name, String text) {
        String id() {
            return root().relativize(file).toString().replace('\\', '/') + "#" + name;
        }
    }

    /** The repository root: the system property {@code quiesce.root}, else the nearest parent with README.md. */
    static Path root() {
        String property = System.getProperty("quiesce.root");
        Path dir = property != null ? Path.of(property) : Path.of("").toAbsolutePath();
        dir = dir.toAbsolutePath().normalize();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("README.md")) && Files.isDirectory(d.resolve("quiesce-examples"))) {
                return d;
            }
        }
        throw new IllegalStateException("no README.md with quiesce-examples beside it above " + dir);
    }

    /** README.md and every Markdown file of docs/. */
    static List<Path> documents() {
        List<Path> docs = new ArrayList<>();
        docs.add(root().resolve("README.md"));
        try (Stream<Path> s = Files.list(root().resolve("docs"))) {
            s.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().forEach(docs::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    static List<Block> blocks(Path markdown) {
        List<String> lines = read(markdown);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.startsWith("```")) {
                continue;
            }
            String language = line.substring(3).trim();
            int close = i + 1;
            while (close < lines.size() && !lines.get(close).startsWith("```")) {
                close++;
            }
            if (close == lines.size()) {
                throw new IllegalStateException(markdown + ":" + (i + 1) + ": a fenced block is never closed");
            }
            String kind = null;
            String argument = null;
            if (i > 0) {
                Matcher m = MARKER.matcher(lines.get(i - 1));
                if (m.matches()) {
                    kind = m.group(1);
                    argument = m.group(2);
                }
            }
            blocks.add(new Block(markdown, i + 1, kind, argument, language, join(lines.subList(i + 1, close))));
            i = close;
        }
        return blocks;
    }

    static List<Block> allBlocks() {
        return documents().stream().flatMap(d -> blocks(d).stream()).collect(Collectors.toList());
    }

    /** Every {@code // @sample} region of this module's main sources. */
    static List<Region> regions() {
        Path sources = root().resolve("quiesce-examples/src/main/java");
        List<Region> regions = new ArrayList<>();
        try (Stream<Path> s = Files.walk(sources)) {
            for (Path file : s.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList())) {
                regions.addAll(regions(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return regions;
    }

    static List<Region> regions(Path file) {
        List<String> lines = read(file);
        List<Region> regions = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = START.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            int end = i + 1;
            while (end < lines.size() && !END.matcher(lines.get(end)).matches()) {
                end++;
            }
            if (end == lines.size()) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": @sample " + m.group(1) + " has no // @end");
            }
            regions.add(new Region(file, m.group(1), dedent(lines.subList(i + 1, end))));
            i = end;
        }
        return regions;
    }

    /** Replaces the text of {@code block} in its file by {@code text} (the update mode). */
    static void rewrite(Block block, String text) {
        List<String> lines = new ArrayList<>(read(block.file()));
        int open = block.fenceLine() - 1;
        int close = open + 1;
        while (!lines.get(close).startsWith("```")) {
            close++;
        }
        lines.subList(open + 1, close).clear();
        if (!text.isEmpty()) {
            lines.addAll(open + 1, List.of(text.split("\n", -1)));
        }
        try {
            Files.writeString(block.file(), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String dedent(List<String> lines) {
        int indent = Integer.MAX_VALUE;
        for (String l : lines) {
            if (!l.isBlank()) {
                indent = Math.min(indent, l.length() - l.stripLeading().length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(l.isBlank() ? "" : l.substring(indent));
        }
        return join(out);
    }

    private static String join(List<String> lines) {
        return String.join("\n", lines);
    }

    static List<String> read(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
