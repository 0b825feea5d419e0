package dev.quiesce;

import java.util.Objects;

/**
 * An explicit lock class for lock-dependency validation: every primitive created with the same
 * {@code LockClass} is one node of the validator's graph, whatever its name.
 *
 * <p>Without one, a primitive's class is its creation site (file and line), so a million per-file
 * semaphores created on one line are one class — which is what lock-order checking needs: the
 * order "inode lock, then journal lock" is a property of the code, not of each inode. An explicit
 * class is for primitives created in a shared helper, where the creation site says nothing.
 * Names are labels, never keys: two classes with one name stay two classes.
 *
 * <p>Correct same-class nesting (lock two files' semaphores in an order the program keeps, as
 * the kernel's {@code down_write_nested}) is declared by taking the second one under a
 * {@linkplain #subclass(int) subclass}. With validation off, lock classes cost nothing but the
 * object.
 *
 * @since 0.1.0
 */
public final class LockClass {

    private final String name;
    private final LockClass parent;
    private final int subclass;

    private LockClass(String name, LockClass parent, int subclass) {
        this.name = name;
        this.parent = parent;
        this.subclass = subclass;
    }

    /**
     * Creates a new lock class.
     *
     * @param name a label for reports
     * @return a new class, distinct from every other
     * @throws NullPointerException if {@code name} is null
     */
    public static LockClass named(String name) {
        return new LockClass(Objects.requireNonNull(name, "name"), null, 0);
    }

    /**
     * Returns a new subclass of this class, for same-class nesting in an order the program keeps.
     * Each call returns a distinct class.
     *
     * @param level the nesting level, for reports (1 for the second lock, 2 for the third, ...)
     * @return a new class
     * @throws IllegalArgumentException if {@code level} is not positive
     */
    public LockClass subclass(int level) {
        if (level <= 0) {
            throw new IllegalArgumentException("subclass level must be positive: " + level);
        }
        return new LockClass(name, this, level);
    }

    /**
     * Returns the label.
     *
     * @return the name given at creation
     */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return parent == null ? name : name + "/" + subclass;
    }
}
