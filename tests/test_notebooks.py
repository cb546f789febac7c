"Run every notebook through nbdev's own runner (`nbdev.test.test_nb`), one pytest test each."
import os
from pathlib import Path

import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook

CFG = get_config()
NOTEBOOKS = sorted(CFG.nbs_path.glob('*.ipynb'))
# Slow cells run by default, as in CI; `SAE_MOVIES_TEST_FLAGS=` (empty) skips them for a quick check.
FORCE_FLAGS = os.environ.get('SAE_MOVIES_TEST_FLAGS', 'slow').split()


def test_all_notebooks_found():
    assert [p.stem for p in NOTEBOOKS] == ['00_data', '00a_synth', '00b_features', '01_metrics', '02_core', '03_train', '04_baselines', '05_sae', '06_autorec', '07_topn', '07a_content', '07b_attention', '07c_infinite',
                                           '08_models', '09_evaluate', '10_tune', '11_recommend', '11a_serve', '11b_abtest', '12_cli', '12a_entry', '13_testing', '14_scale', '15_reliability', 'index']


@pytest.mark.parametrize('notebook', NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(notebook: Path):
    ok, seconds = run_notebook(notebook, skip_flags=CFG.tst_flags.split(), force_flags=FORCE_FLAGS, basepath=CFG.config_path)
    assert ok, f'{notebook.name} failed (its traceback is printed above)'
