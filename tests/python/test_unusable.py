"""A caller outside the boxed group: tests/integration/t-python.sh runs
this file alone as such a user, with BOXED_TEST_UNUSABLE=1."""

import math
import os

import pytest

import boxed

pytestmark = pytest.mark.skipif(os.environ.get("BOXED_TEST_UNUSABLE") != "1",
                                reason="run by t-python.sh as a user outside the group")


def test_unusable_runner_says_what_to_do():
    with pytest.raises(boxed.SandboxError) as info:
        boxed.run(math.sqrt, args=(4,))
    msg = str(info.value)
    assert "not permitted" in msg and "usermod -a -G" in msg
    with pytest.raises(boxed.SandboxError, match="not permitted"):
        boxed.Pool(size=1)
