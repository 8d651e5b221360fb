"""`manage.py simulate_selection` prints each ranking's recovery with a 95 %
interval over the rounds, and each method's difference from the default
paired by round (issue 15)."""

from io import StringIO

from django.core.management import call_command


def test_the_simulation_reports_intervals_and_paired_differences():
    out = StringIO()
    call_command("simulate_selection", "--applicants=60", "--reviewers=12", "--select=12", "--seeds=3", stdout=out)
    lines = out.getvalue().splitlines()

    assert lines[0].startswith("60 applicants, 12 reviewers, 3 reviews each (about 15 per reviewer)")
    assert lines[2].split() == ["ranking", "mean", "min", "max", "95", "%", "interval", "of", "the", "mean"]
    methods = lines[3:8]
    assert [line.split("  ")[0] for line in methods] == [
        "mean",
        "z-score",
        "model (default: fixed reviewer effects)",
        "model, reviewer effects shrunk",
        "oracle (knows every bias)",
    ]
    for line in methods:
        mean, low_high = float(line.split()[-4]), line.split()[-1]
        low, high = (float(value) for value in low_high.split("-"))
        assert low <= mean <= high
    assert lines[8] == "Differences from the default ranking, paired by round (95 % interval):"
    assert len(lines) == 13
    assert all(line.startswith("  default - ") for line in lines[9:])
