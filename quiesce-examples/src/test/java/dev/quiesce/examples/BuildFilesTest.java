package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.examples.DocSamples.Block;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * What a user copies to depend on Quiesce agrees with the build: the BOM's version is the
 * parent's, the BOM manages every published module (those that attach sources and javadoc), and
 * the README's Maven and Gradle snippets name that version and published artifacts.
 */
class BuildFilesTest {

    private static final Pattern VERSION = Pattern.compile("<version>([^<]+)</version>");
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    private static String read(String relative) {
        return String.join("\n", DocSamples.read(DocSamples.root().resolve(relative)));
    }

    /** The first {@code <version>} outside {@code <parent>}: the project's own. */
    private static String projectVersion(String pom) {
        String withoutParent = pom.replaceAll("(?s)<parent>.*?</parent>", "");
        Matcher m = VERSION.matcher(withoutParent);
        assertTrue(m.find(), "no <version> in the pom");
        return m.group(1);
    }

    private static List<String> publishedModules() {
        List<String> published = new ArrayList<>();
        Matcher m = MODULE.matcher(read("pom.xml"));
        while (m.find()) {
            Path pom = DocSamples.root().resolve(m.group(1)).resolve("pom.xml");
            if (Files.isRegularFile(pom) && String.join("\n", DocSamples.read(pom)).contains("maven-source-plugin")) {
                published.add(m.group(1));
            }
        }
        return published;
    }

    @Test
    void theBomHasTheParentsVersionAndManagesEveryPublishedModule() {
        String version = projectVersion(read("pom.xml"));
        String bom = read("quiesce-bom/pom.xml");
        assertEquals(version, projectVersion(bom), "quiesce-bom's version");
        List<String> published = publishedModules();
        assertTrue(published.containsAll(List.of("quiesce-core", "quiesce-nio", "quiesce-micrometer")),
                published.toString());
        for (String module : published) {
            assertTrue(bom.contains("<artifactId>" + module + "</artifactId>"), "quiesce-bom does not manage " + module);
        }
    }

    @Test
    void theReadmesDependencySnippetsNameThisVersionAndPublishedArtifacts() {
        String version = projectVersion(read("pom.xml"));
        List<String> published = publishedModules();
        List<Block> snippets = DocSamples.blocks(DocSamples.root().resolve("README.md")).stream()
                .filter(b -> "dependency".equals(b.kind())).collect(Collectors.toList());
        assertEquals(List.of("maven", "maven-bom", "gradle"),
                snippets.stream().map(Block::argument).collect(Collectors.toList()));

        String maven = snippets.get(0).text();
        assertEquals(version, projectVersion(maven), "the Maven snippet's version");
        Matcher artifact = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(maven);
        assertTrue(artifact.find() && published.contains(artifact.group(1)), maven);
        assertTrue(maven.contains("<groupId>dev.quiesce</groupId>"), maven);

        String bomImport = snippets.get(1).text();
        assertEquals(version, projectVersion(bomImport), "the BOM snippet's version");
        for (String part : List.of("<dependencyManagement>", "<groupId>dev.quiesce</groupId>",
                "<artifactId>quiesce-bom</artifactId>", "<type>pom</type>", "<scope>import</scope>")) {
            assertTrue(bomImport.contains(part), "the BOM snippet lacks " + part + ": " + bomImport);
        }

        String gradle = snippets.get(2).text();
        Matcher coordinates = Pattern.compile("\"dev\\.quiesce:([^:\"]+):([^\"]+)\"").matcher(gradle);
        assertTrue(coordinates.find(), gradle);
        assertTrue(published.contains(coordinates.group(1)), gradle);
        assertEquals(version, coordinates.group(2), "the Gradle snippet's version");
        assertTrue(gradle.contains("mavenLocal()"), "a SNAPSHOT installed locally needs mavenLocal(): " + gradle);
    }
}
