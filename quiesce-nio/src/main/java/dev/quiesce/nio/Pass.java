package dev.quiesce.nio;

import dev.quiesce.Permit;
import dev.quiesce.ReadSection;

/**
 * What one modification holds from START to END: the volume's write section, freeze protection
 * and, for data changes, the file's permit (shared for writes, exclusive for truncation). Taken in
 * that order by {@link WriteProtocol}; released in reverse by {@link #end()}, which never blocks.
 */
final class Pass {

    private final WriteProtocol protocol;
    private final FileNode node;
    private ReadSection section;
    private Permit freeze;
    private Permit file;

    Pass(WriteProtocol protocol, ReadSection section, Permit freeze, Permit file, FileNode node) {
        this.protocol = protocol;
        this.section = section;
        this.freeze = freeze;
        this.file = file;
        this.node = node;
    }

    /**
     * Hands every hold to whichever thread calls {@link #end()} (the I/O completion thread): the
     * validator then sees the submitting thread holding nothing once the write is submitted.
     */
    Pass handOff() {
        section = section.detach();
        freeze = freeze.detach();
        if (file != null) {
            file = file.detach();
        }
        return this;
    }

    /**
     * END: marks the file dirty for the next {@code syncFs()}, then releases in reverse order. The
     * mark is made inside the write section, so a {@code syncFs()} whose grace period waited for this
     * write finds it (everything a section did happens-before the grace period that waited for it).
     */
    void end() {
        try {
            protocol.ended(node);
        } finally {
            if (file != null) {
                file.close();
            }
            freeze.close();
            section.close();
        }
    }
}
