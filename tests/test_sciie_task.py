"""The SciIE task: prepare's splits, prompts per variant, MimicSFT targets, the dictionary baseline, scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sciextract.config import Config, build
from sciextract.errors import InputError
from sciextract.tasks import get_task
from sciextract.predict import score_rows
from sciextract.tasks.base import Parsed
from sciextract.tasks.sciie.mimic import evidence_phrase, mimic_target, pattern_statement
from sciextract.tasks.sciie.rules import EntityLexicon
from sciextract.tasks.sciie.task import SciIETask
from sciextract.tasks.sciie.rewards import answer_format_value, think_relevance_value

FIXTURE = Path(__file__).parent / "fixtures/scier_small.jsonl"
DEV_PAPER = "fx-paper-4"


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True)
    train, dev = tmp_path / "train.jsonl", tmp_path / "dev.jsonl"
    train.write_text("".join(line for line in lines if json.loads(line)["doc_id"] != DEV_PAPER), encoding="utf-8")
    dev.write_text("".join(line for line in lines if json.loads(line)["doc_id"] == DEV_PAPER), encoding="utf-8")
    return train, dev


def config_for(train: Path, dev: Path, **settings) -> Config:
    config = Config(task="sciie")
    config.data.sciie.train_file, config.data.sciie.dev_file = str(train), str(dev)
    values = {"train_examples": 0, "rl_examples": 3, "dev_examples": 0, **settings}
    for key, value in values.items():
        setattr(config.data.sciie, key, value)
    return config


def prepared(tmp_path: Path, files, **settings) -> tuple[SciIETask, dict, dict[str, list[dict]]]:
    task = SciIETask()
    out = tmp_path / "data/sciie"
    report = task.prepare(config_for(*files, **settings), out)
    return task, report, {split: task.load_split(out, split) for split in ("sft", "rl", "test")}


def test_registered():
    assert isinstance(get_task("sciie"), SciIETask)


def test_prepare_splits_train_disjointly_and_labels_every_record(tmp_path, files):
    _, report, splits = prepared(tmp_path, files)
    assert report["splits"] == {"sft": 6, "rl": 3, "test": 3}
    assert report["cross_split_overlap"] == {"sft/rl": 0, "sft/test": 0, "rl/test": 0}
    assert report["test_split"] == "SciER dev" and report["task_variant"] == "end2end"
    assert {r["id"] for r in splits["sft"]}.isdisjoint(r["id"] for r in splits["rl"])
    assert all(r["task_variant"] == "end2end" for rows in splits.values() for r in rows)
    assert {r["split"] for r in splits["test"]} == {"SciER dev"} and {r["split"] for r in splits["rl"]} == {"SciER train"}
    assert all(r["sft_format"] == "plain" for r in splits["sft"])
    assert not any("sft_format" in r for r in splits["rl"] + splits["test"])


def test_rl_split_stays_put_when_the_sft_size_changes_and_dev_is_capped(tmp_path, files):
    _, _, full = prepared(tmp_path, files)
    _, report, small = prepared(tmp_path, files, train_examples=2, dev_examples=2)
    assert [r["id"] for r in small["rl"]] == [r["id"] for r in full["rl"]]
    assert [r["id"] for r in small["sft"]] == [r["id"] for r in full["sft"]][:2]
    assert report["splits"]["test"] == 2
    ids = [r["id"] for r in small["test"]]
    assert ids == sorted(ids)  # the capped sample keeps file order


def test_prepare_drops_repeated_train_sentences_and_counts_them(tmp_path, files):
    train, dev = files
    first = train.read_text().splitlines()[0]
    relabelled = json.loads(first) | {"doc_id": "copy"}
    train.write_text(train.read_text() + first + "\n" + json.dumps(relabelled) + "\n")
    _, report, splits = prepared(tmp_path, (train, dev))
    assert report["repeated_train_sentences_dropped"] == 2 and report["repeats_with_other_annotation"] == 0
    assert report["train_sentences"] == 11 and len(splits["sft"]) + len(splits["rl"]) == 9


def test_prepare_refuses_leaks_and_bad_settings(tmp_path, files):
    train, dev = files
    with pytest.raises(InputError, match="sentences shared between splits"):
        SciIETask().prepare(config_for(train, train), tmp_path / "out")
    with pytest.raises(InputError, match=r"train.jsonl, field 'sentence': 9 sentences also in the sft/rl splits"):
        SciIETask().prepare(config_for(train, dev, eval_sets={"leak": str(train)}), tmp_path / "out")
    with pytest.raises(InputError, match=r"rl_examples \+ train_examples = 13 but .* has 9 distinct sentences"):
        SciIETask().prepare(config_for(train, dev, train_examples=10), tmp_path / "out")


@pytest.mark.parametrize(("settings", "message"), [
    ({"variant": "joint"}, r"field 'data.sciie.variant': 'joint' is not one of ner, re, re_plus, end2end"),
    ({"sft_format": "cot"}, r"field 'data.sciie.sft_format': 'cot' is not one of mimic, plain"),
    ({"rl_examples": 0}, r"field 'data.sciie.rl_examples': must lie in \[1, inf\), got 0"),
    ({"dev_examples": -1}, r"field 'data.sciie.dev_examples': must lie in \[0, inf\), got -1"),
])
def test_params_are_checked_on_load(settings, message):
    with pytest.raises(InputError, match=rf"params.yaml, {message}"):
        build(Config, {"data": {"sciie": settings}}, source="params.yaml")


def test_prompts_follow_the_variant(tmp_path, files):
    prompts = {}
    for variant in ("ner", "re", "re_plus", "end2end"):
        task, _, splits = prepared(tmp_path, files, variant=variant)
        record = next(r for r in splits["test"] if r["id"] == "fx-paper-4#2")
        prompts[variant] = task.prompt(record)
    system, user = prompts["end2end"][0]["content"], prompts["end2end"][1]["content"]
    assert "Dataset:" in system and "Compare-With:" in system and '"rel": [[subject, relation, object]' in system
    assert user == ("Sentence: A multi-head attention layer is a component of the transformer encoder , and the "
                    "transformer encoder is a kind of neural network .")
    assert "Used-For:" not in prompts["ner"][0]["content"] and '"rel"' not in prompts["ner"][0]["content"]
    assert prompts["re"][1]["content"].endswith('Entities: "multi-head attention layer"; "transformer encoder"; '
                                                '"neural network"')
    assert prompts["re_plus"][1]["content"].endswith('Entities: "multi-head attention layer" (Method); '
                                                     '"transformer encoder" (Method); "neural network" (Method)')


def test_targets_plain_and_mimic(tmp_path, files):
    task, _, splits = prepared(tmp_path, files, sft_format="mimic")
    record = next(r for r in splits["sft"] if r["id"] == "fx-paper-1#2")
    mimic = task.target(record)
    assert mimic == (
        '<think><plan>\n'
        'Step 1 entities: "GraphRel-Net" Method; "bidirectional long short-term memory" Method; "BiLSTM" Method; '
        '"softmax classifier" Method\n'
        'Step 2 pairs: 6 pairs, 3 related\n'
        'Step 3 evidence: "bidirectional long short-term memory ( BiLSTM"; "encoder stacks a bidirectional"; '
        '"layer and a"\n'
        'Step 4 patterns: "(" implies Synonym-Of; pattern Method ... Method suggests Part-Of; "layer" implies Part-Of\n'
        'Step 5 conclusion: 4 entities, 3 relations\n'
        '</plan></think>\n'
        '<answer>{"ner":[["GraphRel-Net","Method"],["bidirectional long short-term memory","Method"],["BiLSTM","Method"],'
        '["softmax classifier","Method"]],"rel":[["BiLSTM","Synonym-Of","bidirectional long short-term memory"],'
        '["BiLSTM","Part-Of","GraphRel-Net"],["softmax classifier","Part-Of","GraphRel-Net"]]}</answer>')
    assert answer_format_value(mimic) == 1.0
    assert task.parse(mimic) == Parsed({"ner": [list(e) for e in record["ner"]], "rel": record["rel"]}, failed=False)
    # the plan names every gold triple's strings, so MimicSFT outputs already earn relevance credit
    assert think_relevance_value(mimic, record["sentence"], record["rel"]) == pytest.approx(1.0)
    plain = task.target({**record, "sft_format": "plain"})
    assert json.loads(plain) == {"ner": record["ner"], "rel": record["rel"]}


def test_mimic_target_for_ner_and_given_entities_and_duplicate_gold(tmp_path, files):
    _, _, splits = prepared(tmp_path, files, variant="re")
    record = next(r for r in splits["test"] if r["id"] == "fx-paper-4#2")  # "transformer encoder" listed twice
    target = mimic_target(record)
    assert "Step 1 entities: 3 entities given" in target and "Step 5 conclusion: 2 relations" in target
    assert target.endswith('<answer>{"rel":[["multi-head attention layer","Part-Of","transformer encoder"],'
                           '["transformer encoder","SubClass-Of","neural network"]]}</answer>')
    ner_target = mimic_target({**record, "task_variant": "ner"})
    assert ner_target.count('"transformer encoder"') == 2  # once in the plan, once in the answer
    assert "Step 2 conclusion: 3 entities" in ner_target
    empty = mimic_target({**record, "ner": [], "rel": [], "rel_plus": [], "task_variant": "end2end"})
    assert "Step 1 entities: none" in empty and "Step 3 evidence: none" in empty


def test_evidence_phrases_and_patterns():
    sentence = "We evaluate the proposed tagger extensively and carefully on many corpora including OntoNotes ."
    # more than 6 words between: 4 words from the relation's first cue word ("on")
    assert evidence_phrase(sentence, "tagger", "OntoNotes", "Evaluated-With") == "on many corpora including"
    assert evidence_phrase(sentence, "tagger", "OntoNotes", "Synonym-Of") == "extensively and carefully on"
    assert evidence_phrase("BERT outperforms ELMo .", "BERT", "ELMo", "Compare-With") == "outperforms"
    assert evidence_phrase("BERT outperforms ELMo .", "ELMo", "BERT", "Compare-With") == "outperforms"
    assert evidence_phrase("the BERT-large model", "BERT", "model", "Part-Of") is None  # not on word boundaries
    assert pattern_statement("outperforms", "Compare-With", "Method", "Method") == '"outperforms" implies Compare-With'
    assert pattern_statement(None, "Used-For", "Method", "Task") == "pattern Method ... Task suggests Used-For"


def test_lexicon_keeps_strings_usually_annotated_and_matches_longest():
    sft = [{"sentence": "The neural network beats the baseline .", "ner": [["neural network", "Method"]]},
           {"sentence": "A neural network and a network of sensors .", "ner": [["neural network", "Method"]]},
           {"sentence": "The network is slow ; the network is big ; network again .", "ner": [["network", "Method"]]},
           {"sentence": "Network data , network traffic .", "ner": []},
           {"sentence": "We build a graph neural network .", "ner": [["graph neural network", "Task"],
                                                                       ["graph neural network", "Method"],
                                                                       ["graph neural network", "Method"]]}]
    lexicon = EntityLexicon(sft)
    # "network" is annotated in 1 of the 3 sentences where it occurs: left out
    assert set(lexicon.entries) == {("neural", "network"), ("graph", "neural", "network")}
    assert lexicon.entries[("graph", "neural", "network")] == "Method"  # most frequent type
    assert lexicon.entities("A graph neural network , a neural network , a network .") == [
        ["graph neural network", "Method"], ["neural network", "Method"]]


def test_rule_baseline_reads_only_the_sft_split(tmp_path, files, monkeypatch):
    monkeypatch.chdir(tmp_path)
    task, _, splits = prepared(tmp_path, files)
    rule = task.baselines(Config())["rule"]
    answers = {r["id"]: rule(r) for r in splits["test"]}
    assert answers["fx-paper-4#0"] == {"ner": [["citation intent classification", "Task"]], "rel": []}
    assert answers["fx-paper-4#1"] == {"ner": [["SciCite-X", "Dataset"]], "rel": []}
    rl_sentence = next(r for r in splits["rl"] if r["id"] == "fx-paper-3#1")  # its entities occur in no SFT sentence
    assert rule(rl_sentence) == {"ner": [], "rel": []}
    sft_sentence = next(r for r in splits["sft"] if r["id"] == "fx-paper-3#2")
    synonym = [["NER", "Synonym-Of", "Named entity recognition"]]
    assert rule(sft_sentence) == {"ner": [["Named entity recognition", "Task"], ["NER", "Task"],
                                          ["relation extraction", "Task"]], "rel": synonym}
    assert rule({**sft_sentence, "task_variant": "ner"})["rel"] == []
    assert rule({**sft_sentence, "task_variant": "re_plus"}) == {"ner": [], "rel": synonym}  # entities are given


def test_eval_files_take_the_prepared_variant(tmp_path, files, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="not prepared: run `sciextract prepare` first"):
        SciIETask().load_eval_file(files[1], Config())
    task, _, _ = prepared(tmp_path, files, variant="re_plus")
    records = task.load_eval_file(files[1], Config())
    assert {r["task_variant"] for r in records} == {"re_plus"} and {r["split"] for r in records} == {str(files[1])}


def test_score_stamps_and_rows(tmp_path, files):
    task, _, splits = prepared(tmp_path, files)
    test = splits["test"]
    outputs = [task.target({**test[0], "sft_format": "mimic"}), "garbage", '{"ner": [], "rel": []}']
    rows = [task.prediction_row(r, text, task.parse(text)) for r, text in zip(test, outputs, strict=True)]
    config = config_for(*files)
    report, documents = score_rows(task, config, test, rows)
    assert report["stamp"] | {"data_hash": "-"} == {
        "task": "sciie", "task_variant": "end2end", "method": "exact-match-micro", "data_hash": "-",
        "matching": "exact strings as the SciER files write them (case-sensitive, spacing as in the sentence, no "
                    "normalisation); distinct tuples per sentence; tp/fp/fn summed over sentences; an unreadable "
                    "answer scores as empty, its gold counted as misses",
        "split": "SciER dev", "sentences": 3, "documents_without_prediction": 0, "grounding": None}
    assert len(report["stamp"]["data_hash"]) == 16
    assert report["parse_failures"] == 1 and rows[1]["parse_failed"] and (rows[1]["ner"], rows[1]["rel"]) == ([], [])
    assert documents[1]["ner"]["pred"] == 0 and documents[1]["ner"]["gold"] > 0  # unreadable: its gold all missed
    assert documents[1]["ner"]["matched"] == 0 and documents[1]["parse_failed"]
    assert report["metrics"]["ner"]["matched"] == 3 and report["metrics"]["rel"]["matched"] == 2
    assert [d["id"] for d in documents] == [r["id"] for r in test]
    assert task.board.headline == "metrics.headline.f1" and report["metrics"]["headline"]["level"] == "rel_plus"
    assert score_rows(task, config, test, rows[::-1])[0]["metrics"] == report["metrics"]  # joined on id, not position
    config.evaluate.sciie.best_at_k = 4  # the oracle is drawn by the evaluate stage; scoring itself is unchanged
    assert task.oracle_samples(config) == 4 and score_rows(task, config, test, rows)[0]["metrics"] == report["metrics"]


def test_score_samples_reports_best_and_average_at_k(tmp_path, files):
    task, _, splits = prepared(tmp_path, files)
    test = splits["test"]
    samples = [["garbage", task.target({**r, "sft_format": "plain"})] for r in test]
    sampled = task.score_samples(test, samples)
    oracle, average = sampled["oracle_best_at_k"], sampled["avg_at_k"]
    assert oracle["k"] == average["k"] == 2 and oracle["sampled"] and average["sampled"]
    assert oracle["oracle"] and not average["oracle"]
    assert oracle["metrics"]["rel_plus"]["f1"] == 1.0 and oracle["unreadable_samples"] == len(test)
    assert average["headline_f1_per_sample"] == [0.0, 1.0] and average["headline_f1"] == 0.5
    report, _ = score_rows(task, config_for(*files), test,
                           [task.prediction_row(r, s[1], task.parse(s[1])) for r, s in zip(test, samples, strict=True)])
    report["metrics"].update(sampled)
    table = task.report_table(report)
    assert "sampled oracle Best@K (K=2): rel_plus F1 1.0000" in table and "sampled Avg@K (K=2): rel_plus F1 0.5000" in table


def test_grounding_recases_copies_and_drops_what_the_sentence_does_not_hold():
    sentence = "We apply CNN ( convolutional network ) to image classification ."
    raw = ('<answer>{"ner":[["CNN","Method"],["Convolutional Network","Method"],["RNN","Method"]],'
           '"rel":[["CNN","Synonym-Of","Convolutional Network"],["RNN","Used-For","image classification"]]}</answer>')
    task, config = SciIETask(), Config(task="sciie")
    assert task.answer({"sentence": sentence}, raw, config) == task.parse(raw)  # not named in decoding.grounding
    config.decoding.grounding = {"sciie": 1.0}
    grounded = task.answer({"sentence": sentence}, raw, config)
    assert grounded.value == {"ner": [["CNN", "Method"], ["convolutional network", "Method"]],
                              "rel": [["CNN", "Synonym-Of", "convolutional network"]]}  # as the sentence writes it
    assert {name: grounded.notes[name] for name in ("recased_spans", "unsupported_entities", "unsupported_relations")} \
        == {"recased_spans": 2, "unsupported_entities": 1, "unsupported_relations": 1}
    row = task.prediction_row({"id": "s1", "sentence": sentence}, raw, grounded)
    read = task.prediction_from_row(row, path="p.jsonl", line=1)
    assert read.value == grounded.value and read.notes["unsupported_entities"] == 1
