package dev.pgmanager.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** Guesses which known key an unknown one was meant to be, for "did you mean" hints on typos. */
final class KeySuggestions {
    private static final int MAX_TYPO_DISTANCE = 2;

    private KeySuggestions() {}

    /** A near-miss spelling first ({@code postgres.prot}), else the same name in another section ({@code port}). */
    static Optional<String> closest(String unknown, Collection<String> known) {
        Optional<String> nearMiss = known.stream()
                .filter(key -> editDistance(unknown, key) <= MAX_TYPO_DISTANCE)
                .min(Comparator.comparingInt(key -> editDistance(unknown, key)));
        if (nearMiss.isPresent()) {
            return nearMiss;
        }
        String name = lastSegment(unknown);
        return known.stream().filter(key -> lastSegment(key).equals(name)).findFirst();
    }

    private static String lastSegment(String key) {
        return key.substring(key.lastIndexOf('.') + 1);
    }

    /** Levenshtein distance, two rows at a time. */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
