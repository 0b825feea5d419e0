package example.unmodified;

import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small Lucene indexer that knows nothing of Quiesce: it indexes batches of documents into the
 * directory named by its argument and commits after each, printing {@code committed <n>} (n
 * documents in the index) after every commit, until its standard input ends (or two minutes pass,
 * so that it never outlives a test that died). UnmodifiedProgramTest runs it in a child JVM with
 * the tracking provider installed.
 */
public final class Indexer {

    public static final int BATCH = 20;

    private Indexer() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path index = Path.of(args[0]);
        Thread watcher = new Thread(Indexer::awaitEndOfInput, "stdin");
        watcher.setDaemon(true);
        watcher.start();
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        long docs = 0;
        try (Directory dir = FSDirectory.open(index);
             IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig(new StandardAnalyzer()))) {
            while (watcher.isAlive() && System.nanoTime() < end) {
                for (int i = 0; i < BATCH; i++) {
                    Document doc = new Document();
                    doc.add(new StringField("id", Long.toString(docs), Field.Store.YES));
                    doc.add(new TextField("body", "document " + docs + " of an index that is backed up live",
                            Field.Store.NO));
                    writer.addDocument(doc);
                    docs++;
                }
                writer.commit();
                System.out.println("committed " + docs);
            }
        }
        System.out.println("done " + docs);
    }

    private static void awaitEndOfInput() {
        try {
            InputStream in = System.in;
            while (in.read() >= 0) {
                // ignore
            }
        } catch (IOException e) {
            // ends as at end of input
        }
    }
}
