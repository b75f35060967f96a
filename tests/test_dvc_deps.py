"""dvc.yaml's code deps against the code: every module a stage imports is covered, every listed source path
exists and is imported, the output paths agree with `sciextract.paths`, and the import graph has no cycle."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
import yaml

from sciextract import paths
from sciextract.stages import ARTICLE_EVAL_ROOT, ARTICLE_MIXTURE, article_data_dir
from sciextract.provenance import (DISPATCH_MODULES, PACKAGE_DIR, _function, _imports_in, _parse, _statements,
                                   command_closure, module_file, stage_code_hash, stage_files)
from sciextract.tasks import TASK_PACKAGES, task_names

ROOT = Path(__file__).resolve().parents[1]


DVC_FILES = (ROOT / "dvc.yaml", ROOT / "pipelines/sweep/dvc.yaml", ROOT / "pipelines/article/dvc.yaml")


@functools.lru_cache(maxsize=None)
def _dvc_stages(task: str) -> str:
    return yaml.safe_dump({name: stage for dvc_file in DVC_FILES for name, stage in _expanded(dvc_file, task).items()})


def dvc_stages(task: str) -> dict[str, dict]:
    """A fresh copy of the expanded stages of every pipeline (callers edit it); every path is relative to the
    project root (the sweep and article pipelines run there: `wdir: ../..`)."""
    return yaml.safe_load(_dvc_stages(task))


def _expanded(dvc_file: Path, task: str) -> dict[str, dict]:
    """dvc.yaml's stages with `${task}` filled in and `foreach` expanded (`evaluate@rule`, ...)."""
    text = dvc_file.read_text(encoding="utf-8").replace("${task}", task)
    stages = {}
    for name, spec in yaml.safe_load(text)["stages"].items():
        if "foreach" in spec:
            for key, item in spec["foreach"].items():
                body = yaml.safe_dump(spec["do"]).replace("${key}", key)
                for field, value in item.items():
                    body = body.replace("${item.%s}" % field, value)
                stages[f"{name}@{key}"] = yaml.safe_load(body)
        else:
            stages[name] = spec
    return stages


def covers(dep: str, file: str) -> bool:
    return file == dep or file.startswith(dep.rstrip("/") + "/")


def closure_files(stage: dict, task: str) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in stage_files(stage["cmd"].split()[1], task)]


def source_deps(stage: dict) -> list[str]:
    return [dep for dep in stage.get("deps", []) if dep.startswith("src/")]


def uncovered(stage: dict, task: str) -> list[str]:
    """Closure files of the stage, run with `task` active, that no dep covers."""
    return [file for file in closure_files(stage, task) if not any(covers(dep, file) for dep in source_deps(stage))]


def stray(name: str) -> list[str]:
    """Source deps of a stage that do not exist, or that no task's closure imports (dvc.yaml is shared by the
    tasks, so a dep may serve one task only: prepare's modeling.py is the review tokenizer's)."""
    found = []
    per_task = {task: dvc_stages(task)[name] for task in task_names()}
    for index, dep in enumerate(source_deps(per_task[task_names()[0]])):
        used = [task for task, stage in per_task.items()
                if any(covers(source_deps(stage)[index], file) for file in closure_files(stage, task))]
        if not (ROOT / dep).exists() or not used:
            found.append(dep)
    return found


@pytest.mark.parametrize("task", task_names())
def test_every_stage_covers_the_code_it_imports(task):
    for name, stage in dvc_stages(task).items():
        assert not uncovered(stage, task), f"{name} ({task}) imports files its deps do not cover"


def test_every_source_dep_exists_and_is_imported():
    for name in dvc_stages("funding"):
        assert not stray(name), f"{name} lists source deps that are missing or that no task imports"


def test_a_deleted_or_stale_dep_is_caught(monkeypatch):
    """The checks fail when a needed dep is removed (here generate.py from evaluate) or names a gone file."""
    stage = dvc_stages("funding")["evaluate@sft"]
    stage["deps"] = [dep for dep in stage["deps"] if dep != "src/sciextract/generate.py"]
    assert uncovered(stage, "funding") == ["src/sciextract/generate.py"]
    stages = {task: dvc_stages(task) for task in task_names()}
    for task_stages in stages.values():
        task_stages["leaderboard"]["deps"].append("src/sciextract/no_such_module.py")
    monkeypatch.setattr(__import__(__name__), "dvc_stages", lambda task: stages[task])
    assert stray("leaderboard") == ["src/sciextract/no_such_module.py"]


def test_stages_import_only_their_own_code():
    """The closures differ where the code does: training never loads the evaluator's code, nor the leaderboard a
    task's data code, and a task's stages never load another task."""
    sft = command_closure("sft", "funding")
    assert "sciextract.train.sft" in sft and "sciextract.predict" not in sft and "sciextract.train.grpo" not in sft
    assert not any(module.startswith(("sciextract.tasks.review", "sciextract.tasks.sciie")) for module in sft)
    board = command_closure("leaderboard", "funding")
    assert {f"{package}.board" for package in TASK_PACKAGES.values()} <= board
    assert "sciextract.tasks.funding.task" not in board and "sciextract.modeling" not in board
    assert command_closure("base_model", "funding") >= {"sciextract.modeling", "sciextract.stages"}
    assert not any(module.startswith("sciextract.tasks.funding") for module in command_closure("base_model", "funding"))


def test_dispatch_modules_import_lazily_only_in_entry_functions():
    """provenance reads lazy imports of cli.py and stages.py per command: a helper there with a lazy sciextract
    import (or a registry call) would escape the closure, so only entry functions may have them."""
    entry = {"sciextract.cli": lambda name: name.startswith("cmd_"),
             "sciextract.stages": lambda name: name.startswith("run_")}
    for module in DISPATCH_MODULES:
        for node in _parse(module).body:
            if not isinstance(node, ast.FunctionDef) or entry[module](node.name):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    assert not (inner.module or "").startswith("sciextract"), f"{module}.{node.name} imports lazily"
                if isinstance(inner, ast.Call):
                    assert getattr(inner.func, "id", None) not in ("get_task", "get_board"), f"{module}.{node.name}"
        assert _function(module, "cmd_evaluate" if module == "sciextract.cli" else "run_evaluate")


def test_no_import_cycle():
    """The module graph (imports at any depth, `if TYPE_CHECKING:` blocks left out) has no cycle."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        pairs = _imports_in(_statements(_parse(module).body), descend_into_functions=True)
        graph[module] = {f"{name}.{item}" if item and module_file(f"{name}.{item}") else name
                         for name, item in pairs if module_file(name)} - {module}
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            assert state.get(target) != 1, f"import cycle: {' -> '.join([*trail, module, target])}"
            if target not in state:
                visit(target, [*trail, module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def output_paths(entries: list) -> list[str]:
    """The paths of a stage's outs/metrics/plots list (plain paths, or one-key mappings with options)."""
    return [entry if isinstance(entry, str) else next(iter(entry)) for entry in entries]


def test_output_paths_agree_with_the_code():
    stages = dvc_stages("funding")
    assert stages["base_model"]["outs"] == [str(paths.BASE_DIR)]
    assert f"{paths.data_dir('funding')}/test.jsonl" in stages["prepare"]["outs"]
    assert stages["sft"]["outs"] == [str(paths.adapter_dir("funding", "sft"))]
    assert stages["grpo"]["outs"] == [str(paths.adapter_dir("funding", "grpo"))]
    assert output_paths(stages["sft"]["plots"]) == [str(paths.curve_path("funding", "sft"))]
    evaluate = stages["evaluate@grpo"]
    assert evaluate["outs"] == [f"{paths.eval_dir('funding', 'grpo')}/predictions"]
    assert output_paths(evaluate["metrics"]) == [f"{paths.eval_dir('funding', 'grpo')}/metrics.json"]
    assert {str(paths.EVAL_ROOT), str(paths.REFERENCES_PATH)} <= set(stages["leaderboard"]["deps"])
    assert stages["sweep"]["metrics"] == [f"{paths.sweep_dir('funding')}/best_params.json"]


def test_article_paths_agree_with_the_code_and_stay_out_of_the_default_pipeline():
    """The article stages write where stages.py reads and writes, and nowhere under reports/eval: a stage writing
    there would be upstream of the default leaderboard, so `dvc repro` would run the article pipeline."""
    stages = dvc_stages("funding")
    articles = article_data_dir("funding")
    assert output_paths(stages["prepare_articles"]["outs"]) == [
        *(f"{articles}/{split}.jsonl" for split in ("sft", "rl", "test")), f"{articles}/{ARTICLE_MIXTURE}"]
    assert f"{articles}/{ARTICLE_MIXTURE}" in stages["sft_articles"]["deps"]
    assert stages["sft_articles"]["outs"] == [str(paths.adapter_dir("funding", "article_sft"))]
    assert output_paths(stages["sft_articles"]["plots"]) == [str(paths.curve_path("funding", "article_sft"))]
    for variant in ("rule", "article_sft"):
        evaluate = stages[f"evaluate_articles@{variant}"]
        assert evaluate["outs"] == [f"{ARTICLE_EVAL_ROOT}/funding/{variant}/predictions"]
        assert output_paths(evaluate["metrics"]) == [f"{ARTICLE_EVAL_ROOT}/funding/{variant}/metrics.json"]
    assert stages["evaluate_articles@article_sft"]["deps"][1] == str(paths.adapter_dir("funding", "article_sft"))
    article_stages = yaml.safe_load((ROOT / "pipelines/article/dvc.yaml").read_text(encoding="utf-8"))["stages"]
    for name in article_stages:
        for stage_name, stage in stages.items():
            if stage_name.split("@")[0] != name:
                continue
            written = output_paths(stage.get("outs", []) + stage.get("metrics", []) + stage.get("plots", []))
            assert not [path for path in written if covers(str(paths.EVAL_ROOT), path)], stage_name


def test_code_hash_follows_the_evaluated_code(monkeypatch):
    """The stamp's code hash changes with a file of the evaluate closure, and not with training code."""
    before = stage_code_hash("evaluate", "funding")
    original = Path.read_bytes

    def edit(name: str) -> None:
        monkeypatch.setattr(Path, "read_bytes", lambda path: original(path) + (b"# edited" if path.as_posix().endswith(name)
                                                                                 else b""))

    edit("train/sft.py")
    assert stage_code_hash("evaluate", "funding") == before
    edit("tasks/funding/parse.py")
    assert stage_code_hash("evaluate", "funding") != before
