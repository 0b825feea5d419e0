package dev.quiesce.nio;

import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.MMapDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Lucene index on a volume, opened the way Lucene users open one: {@code FSDirectory.open} on a
 * volume path, which picks {@link MMapDirectory} on 64-bit JVMs. The index is written and committed
 * through the volume, backed up by plain copies taken while the volume is frozen, and read both
 * from the copies and live through the volume. On JDK 17 Lucene maps with the 3-argument
 * {@code FileChannel.map}; on JDK 21+ with {@code map(MapMode, long, long, Arena)}.
 *
 * <p>Regression (issue 15, item 1): on JDK 22+ the live read failed with
 * {@link UnsupportedOperationException} from {@code FileChannel}'s default {@code Arena} overload,
 * which the volume's channel did not override.
 */
class LuceneOnVolumeTest {

    static final int ROUNDS = 3;
    static final int DOCS_PER_ROUND = 50;

    @TempDir
    Path tmp;

    @Test
    void indexCommitFreezeCopyThawAndReadCopiesAndLiveIndex() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("volume"));
        List<Path> copies = new ArrayList<>();
        try (Volume volume = Volume.builder(root).name("lucene").open();
             Directory dir = FSDirectory.open(volume.path("index"))) {
            assertInstanceOf(MMapDirectory.class, dir, "Lucene's default choice on a 64-bit JVM");
            try (IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig(new StandardAnalyzer()))) {
                for (int round = 1; round <= ROUNDS; round++) {
                    for (int i = 0; i < DOCS_PER_ROUND; i++) {
                        Document doc = new Document();
                        doc.add(new StringField("id", round + "-" + i, Field.Store.YES));
                        doc.add(new StringField("parity", i % 2 == 0 ? "even" : "odd", Field.Store.NO));
                        doc.add(new TextField("body", "document " + i + " of round " + round, Field.Store.NO));
                        writer.addDocument(doc);
                    }
                    writer.commit();

                    Path copy = tmp.resolve("backup-" + round);
                    volume.freeze();
                    try {
                        copyFiles(volume.directory().resolve("index"), copy);
                    } finally {
                        volume.thaw();
                    }
                    copies.add(copy);
                }

                // Live, through the volume: Lucene maps every file it opens for reading.
                try (DirectoryReader reader = DirectoryReader.open(dir)) {
                    assertEquals(ROUNDS * DOCS_PER_ROUND, reader.numDocs());
                    assertEquals(ROUNDS * DOCS_PER_ROUND / 2,
                            new IndexSearcher(reader).count(new TermQuery(new Term("parity", "even"))));
                }
            }
        }

        for (int round = 1; round <= ROUNDS; round++) {
            try (Directory copy = FSDirectory.open(copies.get(round - 1))) {
                try (DirectoryReader reader = DirectoryReader.open(copy)) {
                    assertEquals(round * DOCS_PER_ROUND, reader.numDocs(), "backup " + round);
                }
                try (CheckIndex check = new CheckIndex(copy)) {
                    assertTrue(check.checkIndex().clean, "backup " + round + " is a clean index");
                }
            }
        }
    }

    /** Copies the regular files of {@code from} (plain paths: the copy is not the volume's write). */
    private static void copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName().toString()));
                }
            }
        }
    }
}
