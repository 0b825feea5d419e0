package dev.quiesce;

import dev.quiesce.internal.Tracker;

/** Lets the validator find a handle's record without handles exposing it as API. */
final class HeldRecords {

    static {
        Tracker.registerRecordAccess(HeldRecords::recordOf);
    }

    private HeldRecords() {
    }

    /** Makes sure the access is registered: called by each handle class as it initialises. */
    static void init() {
    }

    private static Object recordOf(Object handle) {
        if (handle instanceof ReadSection) {
            return ((ReadSection) handle).record();
        }
        if (handle instanceof Permit) {
            return ((Permit) handle).record();
        }
        if (handle instanceof Access) {
            return ((Access<?>) handle).permit().record();
        }
        return null;
    }
}
