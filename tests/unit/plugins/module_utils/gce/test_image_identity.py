"""Judging an existing instance's image by its boot disk's sourceImage (pure logic, no API)."""

import pytest

from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import parse_image
from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance.image_identity import (
    DIFFERENT,
    OUTDATED,
    SAME,
    UNKNOWN,
    judge_image,
    warning,
)

API = "https://www.googleapis.com/compute/v1/"
GOLDEN_1 = API + "projects/acme/global/images/golden-1"
GOLDEN_2 = API + "projects/acme/global/images/golden-2"
JAMMY = API + "projects/ubuntu-os-cloud/global/images/ubuntu-2204-jammy-v20250112"


class Lookups:
    """The two lookups judge_image may make, answering from tables and recording what was asked."""

    def __init__(self, resolved=None, families=None):
        self.resolved = resolved or {}
        self.families = families or {}
        self.asked = []

    def resolve(self, ref):
        self.asked.append(("resolve", ref))
        return self.resolved[ref]

    def image_family(self, link):
        self.asked.append(("family", link))
        return self.families[link]


def judge(spec, boot_image, lookups, reason=None):
    return judge_image(parse_image(spec), boot_image, reason, lookups.resolve, lookups.image_family)


@pytest.mark.parametrize("spec", [
    GOLDEN_1,
    "projects/acme/global/images/golden-1",
    "https://compute.googleapis.com/compute/v1/projects/acme/global/images/golden-1",
])
def test_a_named_image_is_compared_by_path_whatever_its_url_form_without_a_lookup(spec):
    lookups = Lookups()
    judgement = judge(spec, GOLDEN_1, lookups)
    assert judgement.verdict == SAME
    assert judgement.have == judgement.want == "projects/acme/global/images/golden-1"
    assert lookups.asked == []


def test_another_named_image_differs():
    judgement = judge("projects/acme/global/images/golden-2", GOLDEN_1, Lookups())
    assert (judgement.verdict, judgement.have, judgement.want) == (
        DIFFERENT, "projects/acme/global/images/golden-1", "projects/acme/global/images/golden-2")


def test_a_custom_image_made_from_ubuntu_is_not_taken_for_ubuntu():
    # Its licenses would name ubuntu-os-cloud; the sourceImage names the custom image.
    lookups = Lookups(resolved={parse_image("ubuntu-os-cloud/ubuntu-2204-lts"): (JAMMY, True)})
    assert judge("ubuntu-os-cloud/ubuntu-2204-lts", GOLDEN_1, lookups).verdict == DIFFERENT
    assert lookups.asked == [("resolve", parse_image("ubuntu-os-cloud/ubuntu-2204-lts"))]  # other project


def test_a_family_that_still_gives_the_boot_image_is_the_same():
    ref = parse_image("projects/acme/global/images/family/golden")
    judgement = judge("projects/acme/global/images/family/golden", GOLDEN_1, Lookups(resolved={ref: (GOLDEN_1, True)}))
    assert judgement.verdict == SAME and judgement.family == "acme/family/golden"


def test_a_family_that_moved_on_reports_the_instance_outdated():
    ref = parse_image("acme/family/golden")
    lookups = Lookups(resolved={ref: (GOLDEN_2, True)}, families={GOLDEN_1: ("golden", None)})
    judgement = judge("acme/family/golden", GOLDEN_1, lookups)
    assert judgement.verdict == OUTDATED
    assert judgement.have == "projects/acme/global/images/golden-1"
    assert judgement.want == "projects/acme/global/images/golden-2"
    message = warning(judgement, "web-1")
    assert "web-1" in message and "recreate_on_image_update: true" in message and "golden-2" in message
    assert warning(judgement, "web-1", recreating=True) is None


def test_a_short_reference_that_resolves_as_a_family_is_judged_as_one():
    ref = parse_image("acme/golden")  # PROJECT/NAME: the family is tried first
    lookups = Lookups(resolved={ref: (GOLDEN_2, True)}, families={GOLDEN_1: ("golden", None)})
    assert judge("acme/golden", GOLDEN_1, lookups).verdict == OUTDATED


def test_a_short_reference_that_resolves_as_an_image_is_compared_as_one():
    ref = parse_image("acme/golden-2")
    lookups = Lookups(resolved={ref: (GOLDEN_2, False)})
    assert judge("acme/golden-2", GOLDEN_1, lookups).verdict == DIFFERENT
    assert [kind for kind, dummy in lookups.asked] == ["resolve"]


def test_an_image_of_another_family_of_the_project_differs():
    ref = parse_image("acme/family/golden")
    lookups = Lookups(resolved={ref: (GOLDEN_2, True)}, families={GOLDEN_1: ("silver", None)})
    assert judge("acme/family/golden", GOLDEN_1, lookups).verdict == DIFFERENT


def test_a_boot_image_that_cannot_be_read_is_unknown_not_different():
    ref = parse_image("acme/family/golden")
    lookups = Lookups(resolved={ref: (GOLDEN_2, True)}, families={GOLDEN_1: (None, "it no longer exists")})
    judgement = judge("acme/family/golden", GOLDEN_1, lookups)
    assert judgement.verdict == UNKNOWN
    assert "it no longer exists" in judgement.reason and "acme/family/golden" in judgement.reason


@pytest.mark.parametrize("boot_image, reason", [
    (None, "its boot disk web-1 no longer exists"),
    (None, "its boot disk web-1 records no sourceImage"),
    ("global/images/odd", None),
])
def test_without_a_known_boot_image_nothing_is_looked_up_and_the_verdict_is_unknown(boot_image, reason):
    lookups = Lookups()
    judgement = judge("acme/family/golden", boot_image, lookups, reason=reason)
    assert judgement.verdict == UNKNOWN and lookups.asked == []
    message = warning(judgement, "web-1")
    assert message.startswith("instance web-1: the image its boot disk was made from is not known (")
    assert "left as it is" in message and "\n" not in message
    assert "recreated for its other differences only" in warning(judgement, "web-1", recreating=True)


def test_same_and_different_have_no_warning():
    assert warning(judge(GOLDEN_1, GOLDEN_1, Lookups()), "web-1") is None
    assert warning(judge(GOLDEN_2, GOLDEN_1, Lookups()), "web-1") is None
