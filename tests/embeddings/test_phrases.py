"""Tests of candidate phrases and sentences."""

from __future__ import annotations

from embeddings.phrases import chunks, extract_phrases, sentences, words


def test_words_hyphens_split_and_case_folds() -> None:
    assert words("State-of-the-Art CNNs!") == ["state", "of", "the", "art", "cnns"]


def test_chunks_stopwords_and_punctuation_break_runs() -> None:
    found = chunks("We train a sparse autoencoder, and knowledge graphs help.")

    assert found == [
        ["train"],
        ["sparse", "autoencoder"],
        ["knowledge", "graphs", "help"],
    ]


def test_chunks_numbers_stay_inside_but_not_at_the_ends() -> None:
    assert chunks("19 covid 19 patients 2020") == [["covid", "19", "patients"]]


def test_extract_phrases_counts_ngrams_up_to_four_tokens() -> None:
    phrases = extract_phrases(
        "Concept bottleneck models. Concept bottleneck models of deep neural "
        "vision transformer networks."
    )

    assert phrases.counts["concept bottleneck models"] == 2
    assert phrases.counts["concept"] == 2
    assert phrases.counts["deep neural vision transformer"] == 1
    assert "deep neural vision transformer networks" not in phrases.counts
    assert "concept bottleneck models" in phrases.chunks
    # A chunk of five tokens is too long to link as a whole.
    assert "deep neural vision transformer networks" not in phrases.chunks


def test_extract_phrases_short_single_tokens_are_dropped() -> None:
    phrases = extract_phrases("AI x ML systems")

    assert "ai" not in phrases.counts
    assert phrases.counts["ai x ml systems"] == 1
    assert phrases.counts["systems"] == 1


def test_sentences_split_joined_and_spaced_sentences() -> None:
    text = "White matter grows.A line scan was used. 3 groups differ! e.g. this."

    assert sentences(text) == [
        "White matter grows.",
        "A line scan was used.",
        "3 groups differ! e.g. this.",
    ]
