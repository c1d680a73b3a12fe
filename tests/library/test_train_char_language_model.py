"""tools.train_char_language_model: trains, checkpoints after every epoch, resumes."""

import json

import numpy as np
import pytest

from rnn_numpy.char_model import TrainingState
from tools import train_char_language_model

SMALL = [
    "--corpus",
    "layer_words",
    "--chars",
    "1200",
    "--budget",
    "2500",
    "--streams",
    "4",
    "--chunk",
    "16",
    "--patience",
    "5",
    "--cells",
    "lstm",
]


@pytest.fixture(scope="module")
def script():
    return train_char_language_model


def test_a_resumed_run_ends_where_an_unbroken_run_ends(script, tmp_path, capsys):
    script.main(SMALL + ["--epochs", "2", "--checkpoints", str(tmp_path / "resumed")])
    script.main(SMALL + ["--epochs", "4", "--checkpoints", str(tmp_path / "resumed")])
    assert "resuming after epoch 2" in capsys.readouterr().out
    script.main(SMALL + ["--epochs", "4", "--checkpoints", str(tmp_path / "straight")])
    states = {}
    for name in ("resumed", "straight"):
        with np.load(tmp_path / name / "lstm.npz") as arrays:
            states[name] = TrainingState.from_arrays(dict(arrays))
        assert json.loads((tmp_path / name / "lstm.json").read_text())["settings"]["cell"] == "lstm"
    assert states["resumed"].epoch == states["straight"].epoch == 4
    np.testing.assert_array_equal(states["resumed"].val_loss, states["straight"].val_loss)
    for key, value in states["straight"].best_params.items():
        np.testing.assert_array_equal(states["resumed"].best_params[key], value)
    table = capsys.readouterr().out.strip().splitlines()[-1]
    assert table.startswith("lstm |") and table.split(" | ")[5] == "4"


def test_other_settings_refuse_to_resume(script, tmp_path):
    script.main(SMALL + ["--epochs", "1", "--checkpoints", str(tmp_path)])
    with pytest.raises(SystemExit, match="other settings"):
        script.main(
            SMALL + ["--epochs", "2", "--learning-rate", "lstm=0.5", "--checkpoints", str(tmp_path)]
        )
