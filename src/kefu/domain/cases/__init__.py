"""After-sale cases (SPEC §8): kinds, states, the steps between them, deadlines, marks."""
