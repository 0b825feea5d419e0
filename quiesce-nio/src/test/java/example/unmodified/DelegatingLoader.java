package example.unmodified;

/** A custom system class loader ({@code -Djava.system.class.loader}) that only delegates. */
public final class DelegatingLoader extends ClassLoader {

    static {
        ClassLoader.registerAsParallelCapable();
    }

    public DelegatingLoader(ClassLoader parent) {
        super("delegating", parent);
    }
}
