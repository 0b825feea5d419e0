package dev.quiesce;

import dev.quiesce.validate.Validator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** With the property unset (the default suite), validation is off and its calls are no-ops. */
class ValidatorOffTest {

    @Test
    void offByDefaultAndAssertionsAreNoOps() {
        assertFalse(Validator.isEnabled());
        Srcu s = Srcu.create("off");
        assertDoesNotThrow(() -> Validator.assertHeld(s));  // would throw if it were checking
        int t = s.readLock();
        s.readUnlock(t);
        assertEquals(0, Validator.foreignCloses());
    }
}
