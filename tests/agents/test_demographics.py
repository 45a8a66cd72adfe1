"""S3 demographics: choices over closed sets, kept data, explicit failures and the file command."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from hubbub.agents.demographics import (
    AGE_BINS,
    AGE_MIDPOINTS,
    FIELDS,
    GENDERS,
    OCCUPATIONS,
    Demographics,
    UserText,
    age_bin_of,
    demographic_requests,
    describe,
    infer_demographics,
    infer_file,
    normalise_value,
)
from hubbub.errors import ConfigError, DataError
from hubbub.llm.base import ChoiceRequest, ChoiceResult
from hubbub.llm.scripted import ScriptedBackend

PICKS = {"age_bin": "25-34", "gender": "female", "occupation": "Engineer"}
PICKS_ZH = {"age_bin": "25-34岁", "gender": "女", "occupation": "工程师"}


class Recording(ScriptedBackend):
    """Always picks the PICKS value (by shown text) and records every request; fails the fields in
    ``fail``."""

    def __init__(self, fail: tuple[str, ...] = (), picks: dict[str, str] = PICKS) -> None:
        super().__init__(choice=self._policy)
        self.requests: list[ChoiceRequest] = []
        self.fail, self.picks = fail, picks

    def _policy(self, request: ChoiceRequest) -> list[float]:
        want = self.picks[request.kind.rsplit(".", 1)[1]]
        return [1.0 if option == want else 0.0 for option in request.options]

    async def choose_one(self, request: ChoiceRequest) -> ChoiceResult:
        self.requests.append(request)
        if request.kind.rsplit(".", 1)[1] in self.fail:
            return ChoiceResult(None, (), self.stats(request.kind), error="BackendTimeout: no answer within 60 s")
        return await super().choose_one(request)


def test_the_closed_sets_are_s3s() -> None:
    assert OCCUPATIONS == (
        "Education Practitioner", "Administrative Manager / Officer", "Unemployed / Student", "Engineer",
        "Labor Technician / Worker", "Logistics Practitioner", "Medical Personnel", "Financial Practitioner",
        "Media Personnel", "Entertainment and Arts Practitioner")
    assert GENDERS == ("female", "male")
    assert [age_bin_of(AGE_MIDPOINTS[b]) for b in AGE_BINS] == list(AGE_BINS)
    assert [age_bin_of(a) for a in (0, 17.9, 18, 24.5, 25, 64.99, 65, 99)] == [
        "under 18", "under 18", "18-24", "18-24", "25-34", "55-64", "65+", "65+"]


def test_requests_are_choices_with_scrubbed_text_and_stable_seeds() -> None:
    requests = demographic_requests("u7", "Nurse in Wuhan, see https://x.cn/abc @friend",
                                    ["Night shift again", "", "Call me 13812345678"], seed=4)
    assert set(requests) == set(FIELDS)
    assert requests["occupation"].options == OCCUPATIONS and requests["age_bin"].options == AGE_BINS
    prompt = requests["gender"].messages[-1][1]
    assert "Nurse in Wuhan" in prompt and "Night shift again" in prompt
    assert "https://" not in prompt and "@friend" not in prompt and "13812345678" not in prompt
    assert prompt.rstrip().endswith("gender?")
    again = demographic_requests("u7", "Nurse in Wuhan, see https://x.cn/abc @friend",
                                 ["Night shift again", "", "Call me 13812345678"], seed=4)
    assert {f: r.seed for f, r in requests.items()} == {f: r.seed for f, r in again.items()}
    assert len({r.seed for r in requests.values()}) == 3
    zh = demographic_requests("u7", "武汉护士", [], lang="zh", fields=["occupation"])
    assert list(zh) == ["occupation"] and "医务人员" in zh["occupation"].options
    with pytest.raises(ConfigError, match="allowed: age_bin, gender, occupation"):
        demographic_requests("u7", "x", [], fields=["income"])


@pytest.mark.parametrize("lang, picks", [("en", PICKS), ("zh", PICKS_ZH)])
def test_infer_keeps_known_values_and_asks_only_the_missing(lang: str, picks: dict[str, str]) -> None:
    backend = Recording(picks=picks)
    users = [UserText("a", "I build bridges", ("Concrete is life",)),
             UserText("b", "retired", (), known={"age_bin": "65+", "age": 71.0, "gender": "male"})]
    result = infer_demographics(users, backend, lang=lang, seed=1, batch_size=2)
    assert len(backend.requests) == 3 + 1
    a, b = result
    assert (a.age_bin, a.age, a.gender, a.occupation) == ("25-34", 30.0, "female", "Engineer")
    assert a.sources == {"age_bin": "llm", "gender": "llm", "occupation": "llm", "age": "bin-midpoint"}
    assert (b.age_bin, b.age, b.gender, b.occupation) == ("65+", 71.0, "male", "Engineer")
    assert b.sources == {"age_bin": "data", "gender": "data", "occupation": "llm", "age": "data"}
    assert a.ok and b.ok


def test_failed_inference_is_explicit_never_defaulted() -> None:
    result = infer_demographics([UserText("a", "hello", ())], Recording(fail=("occupation",)))[0]
    assert result.occupation is None and "occupation" not in result.sources
    assert result.error == "occupation: BackendTimeout: no answer within 60 s"
    assert result.gender == "female" and not result.ok


def test_describe_for_prompts() -> None:
    d = Demographics("u", age_bin="18-24", gender="male", occupation=None)
    assert describe(d) == "Age group: 18-24. Gender: male. Occupation: unknown."
    assert describe(d, "zh") == "年龄段：18-24岁。性别：男。职业：未知。"
    assert describe(None) == ""


def test_normalise_value_accepts_spellings_and_names_allowed_values() -> None:
    assert normalise_value("gender", " F ") == "female" and normalise_value("gender", "男") == "male"
    assert normalise_value("gender", "Other") == "other"  # stated in the data: kept, though never inferred
    assert normalise_value("occupation", "medical  personnel") == "Medical Personnel"
    assert normalise_value("age_bin", "65岁及以上") == "65+"
    with pytest.raises(ValueError, match="allowed: Education Practitioner"):
        normalise_value("occupation", "astronaut")


# --- the file command


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_output(path: Path) -> dict[str, dict]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return {row["id"]: row for row in csv.DictReader(handle)}
    return {row["id"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_infer_file_jsonl_reports_malformed_rows_with_line_numbers(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "users.jsonl", [
        json.dumps({"id": "u1", "description": "teacher in Beijing", "posts": ["class today"]}),   # 1
        json.dumps({"id": 2, "description": "", "posts": "first||second", "gender": "M", "age": 41}),  # 2
        '{"id": "u3", "description": ',                                                            # 3
        "",                                                                                        # 4 blank
        json.dumps({"description": "no id"}),                                                      # 5
        json.dumps({"id": "u6", "description": "x", "gender": "robot"}),                           # 6
        json.dumps({"id": "u1", "description": "again"}),                                          # 7
        json.dumps(["not", "an", "object"]),                                                       # 8
        json.dumps({"id": "u9", "description": "", "posts": []}),                                 # 9
        json.dumps({"id": "u10", "description": "all known", "age_bin": "18-24", "gender": "female",
                    "occupation": "Media Personnel"}),                                             # 10
        json.dumps({"id": "u11", "description": "x", "age": 30, "age_bin": "45-54"}),               # 11
    ])
    backend = Recording()
    report = infer_file(source, tmp_path / "out.jsonl", backend)
    assert [issue.line for issue in report.skipped] == [3, 5, 6, 7, 8, 9, 11]
    reasons = {issue.line: issue.reason for issue in report.skipped}
    assert "invalid JSON" in reasons[3] and "'id'" in reasons[5] and "'robot'" in reasons[6]
    assert "duplicate id 'u1' (first on line 1)" in reasons[7] and "JSON object" in reasons[8]
    assert "no description or posts" in reasons[9] and "not in 'age_bin'" in reasons[11]
    assert (report.rows, report.written) == (10, 3)
    assert report.asked == {"age_bin": 1, "gender": 1, "occupation": 2}
    assert len(backend.requests) == 4
    out = read_output(tmp_path / "out.jsonl")
    assert list(out) == ["u1", "2", "u10"]
    assert out["2"]["gender"] == "male" and out["2"]["gender_source"] == "data"
    assert out["2"]["age"] == 41 and out["2"]["age_bin"] == "35-44" and out["2"]["age_bin_source"] == "data"
    assert out["2"]["occupation"] == "Engineer" and out["2"]["occupation_source"] == "llm"
    assert out["u10"]["occupation"] == "Media Personnel" and out["u10"]["age"] == 21.0
    assert out["u10"]["age_source"] == "bin-midpoint"
    assert any(line.endswith(":3: skipped: " + reasons[3]) for line in report.lines())


def test_infer_file_csv_line_numbers_survive_multiline_fields(tmp_path: Path) -> None:
    source = tmp_path / "users.csv"
    source.write_text(
        "id,description,posts,occupation\n"                                  # 1
        'a,"two\nline bio","[""first post"", ""second""]",\n'               # 2-3
        "b,short,one||two,engineer\n"                                          # 4
        "c,too,many,values,here\n"                                             # 5
        "d,missing\n"                                                          # 6
        'e,bad posts,"[not json",\n'                                          # 7
        "f,fine,,Financial Practitioner\n",                                    # 8
        encoding="utf-8")
    report = infer_file(source, tmp_path / "out.csv", Recording(fail=("age_bin",)))
    assert [(i.line, i.reason.split(" (")[0]) for i in report.skipped] == [
        (5, "5 values for 4 columns"), (6, "only 2 values for 4 columns"),
        (7, "'posts' looks like a JSON list but is not valid JSON")]
    out = read_output(tmp_path / "out.csv")
    assert list(out) == ["a", "b", "f"]
    assert out["b"]["occupation"] == "Engineer" and out["b"]["occupation_source"] == "data"
    assert out["a"]["occupation_source"] == "llm" and out["a"]["gender"] == "female"
    assert out["a"]["age_bin"] == "" and out["a"]["error"].startswith("age_bin: BackendTimeout")
    assert [u for u, _ in report.failed] == ["a", "b", "f"]


def test_infer_file_rejects_unusable_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        infer_file(tmp_path / "missing.jsonl", tmp_path / "o.csv", Recording())
    (tmp_path / "u.txt").write_text("id\n")
    with pytest.raises(DataError, match="allowed: .jsonl, .csv"):
        infer_file(tmp_path / "u.txt", tmp_path / "o.csv", Recording())
    (tmp_path / "u.csv").write_text("user,description\n1,x\n")
    with pytest.raises(DataError, match="'id' column"):
        infer_file(tmp_path / "u.csv", tmp_path / "o.csv", Recording())
    with pytest.raises(ConfigError, match="allowed: .csv, .jsonl"):
        infer_file(tmp_path / "u.csv", tmp_path / "o.xlsx", Recording())
