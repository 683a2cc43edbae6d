"""pytest plugin (auto-loaded): show values in the contract suite's failing assertions."""

import pytest

pytest.register_assert_rewrite("storages.testing.contract", "storages.testing.scenario")
