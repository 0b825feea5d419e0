package dev.quiesce.validate;

/** Formats captured stacks for reports: the frames of the validator itself are left out. */
final class Frames {

    private static final int MAX_FRAMES = 12;

    private Frames() {
    }

    static String site(StackWalker.StackFrame f) {
        return f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")";
    }

    /**
     * The stack of {@code t} from the library method the user called (the last frame of the library
     * before the first frame outside it), indented, at most a dozen frames.
     */
    static String text(Throwable t) {
        StackTraceElement[] frames = t.getStackTrace();
        int first = 0;
        while (first < frames.length && isLibrary(frames[first])) {
            first++;
        }
        first = Math.max(0, first - 1);
        while (first < frames.length && isInternal(frames[first])) {
            first++;
        }
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (int i = first; i < frames.length; i++) {
            StackTraceElement e = frames[i];
            if (shown++ == MAX_FRAMES) {
                sb.append("      ...\n");
                break;
            }
            sb.append("      at ").append(e).append('\n');
        }
        return sb.toString();
    }

    private static final java.security.CodeSource LIBRARY =
            dev.quiesce.internal.Tracker.class.getProtectionDomain().getCodeSource();
    private static final java.util.Map<String, Boolean> LIBRARY_CLASSES = new java.util.concurrent.ConcurrentHashMap<>();

    /** Whether the frame's class comes from this library's jar (not merely its package: tests share it). */
    private static boolean isLibrary(StackTraceElement e) {
        String name = e.getClassName();
        if (!name.startsWith("dev.quiesce.")) {
            return false;
        }
        return LIBRARY_CLASSES.computeIfAbsent(name, n -> {
            try {
                Class<?> c = Class.forName(n, false, Frames.class.getClassLoader());
                return java.util.Objects.equals(c.getProtectionDomain().getCodeSource(), LIBRARY);
            } catch (ClassNotFoundException | LinkageError ex) {
                return false;
            }
        });
    }

    /** The validator's and the hook's own frames (of the library's jar: a test may share the package). */
    private static boolean isInternal(StackTraceElement e) {
        String c = e.getClassName();
        return (c.startsWith("dev.quiesce.validate.") || c.startsWith("dev.quiesce.internal.")) && isLibrary(e);
    }
}
