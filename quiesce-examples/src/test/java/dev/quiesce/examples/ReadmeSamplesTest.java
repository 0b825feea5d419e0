package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.quiesce.examples.DocSamples.Block;
import dev.quiesce.examples.DocSamples.Region;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java sample of the README and {@code docs/} is copied from code that compiles and runs
 * here: each {@code java} block names its source region, and its text is that region's, exactly
 * (indentation taken off). Change the sample's source, not the document; then
 * {@code mvn -pl quiesce-examples -am test -Dquiesce.updateDocs=true} copies it over.
 */
class ReadmeSamplesTest {

    @Test
    void everyJavaBlockNamesTheSourceItIsCopiedFrom() {
        List<String> unnamed = new ArrayList<>();
        for (Block b : DocSamples.allBlocks()) {
            if (b.language().equals("java") && !"sample".equals(b.kind())) {
                unnamed.add(b.where());
            }
        }
        assertTrue(unnamed.isEmpty(), "java blocks without a <!-- sample: PATH#NAME --> line before them: "
                + unnamed);
    }

    @Test
    void everySampleIsItsSourceRegionExactly() {
        Map<String, Region> regions = DocSamples.regions().stream()
                .collect(Collectors.toMap(Region::id, Function.identity()));
        List<String> problems = new ArrayList<>();
        // Rewritten bottom-up: a block rewritten first must not move the lines of those still to come.
        List<Block> blocks = new ArrayList<>(DocSamples.allBlocks());
        Collections.reverse(blocks);
        for (Block b : blocks) {
            if (!"sample".equals(b.kind())) {
                continue;
            }
            Region r = regions.get(b.argument());
            if (r == null) {
                problems.add(b.where() + ": no region " + b.argument() + " (known: " + regions.keySet() + ")");
            } else if (!r.text().equals(b.text())) {
                if (DocSamples.UPDATE) {
                    DocSamples.rewrite(b, r.text());
                } else {
                    problems.add(b.where() + " differs from " + r.id() + ":\n--- document\n" + b.text()
                            + "\n--- source\n" + r.text());
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n\n", problems));
        }
    }

    @Test
    void everySampleRegionIsShownSomewhere() {
        List<String> shown = DocSamples.allBlocks().stream()
                .filter(b -> "sample".equals(b.kind())).map(Block::argument).collect(Collectors.toList());
        List<String> unused = DocSamples.regions().stream().map(Region::id)
                .filter(id -> !shown.contains(id)).collect(Collectors.toList());
        assertEquals(List.of(), unused, "@sample regions that no document shows");
    }

    @Test
    void blocksAreReadWithTheirMarkersAndRegionsWithoutTheirIndentation(@TempDir Path dir) throws Exception {
        Path md = dir.resolve("doc.md");
        Files.writeString(md, String.join("\n",
                "text", "<!-- sample: a/B.java#x -->", "```java", "int a;", "", "  int b;", "```",
                "```sh", "echo", "```", ""));
        List<Block> blocks = DocSamples.blocks(md);
        assertEquals(2, blocks.size());
        assertEquals("sample", blocks.get(0).kind());
        assertEquals("a/B.java#x", blocks.get(0).argument());
        assertEquals("int a;\n\n  int b;", blocks.get(0).text());
        assertEquals(null, blocks.get(1).kind());

        Path java = dir.resolve("B.java");
        Files.writeString(java, String.join("\n",
                "class B {", "    // @sample x", "    int a;", "", "      int b;", "    // @end", "}", ""));
        List<Region> regions = DocSamples.regions(java);
        assertEquals(1, regions.size());
        assertEquals("int a;\n\n  int b;", regions.get(0).text(), "the common indentation is taken off");
    }
}
