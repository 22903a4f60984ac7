# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether an existing instance runs the image the task asks for, judged by its boot disk's sourceImage.

Licenses cannot tell: an image made from a disk keeps that disk's licenses,
so a custom image built from Ubuntu names Ubuntu's licenses whatever project
it lives in. The boot disk's ``sourceImage`` names the very image the disk
was made from (a family already resolved), so that is what is compared,
with the requested image resolved to a concrete one the same way.

The verdicts:

- SAME: the boot disk was made from the requested image (or from the image
  the requested family gives now).
- DIFFERENT: it was made from another image, known for certain; the image
  cannot change in place, so this blocks as any such difference does.
- OUTDATED: the task names a family and the boot disk was made from an image
  of that family that the family no longer gives (usually an older one).
- UNKNOWN: the boot disk's image cannot be known; nothing is inferred from
  that, the instance is left alone and the task warns.
"""

from collections import namedtuple

from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import (
    image_label, image_path, named_image_path)

SAME = "same"
DIFFERENT = "different"
OUTDATED = "outdated"
UNKNOWN = "unknown"

# ``have``/``want``: projects/P/global/images/NAME (None when not known);
# ``family``: the requested family's label when the task named one;
# ``reason``: why the verdict is UNKNOWN.
ImageJudgement = namedtuple("ImageJudgement", ["verdict", "have", "want", "family", "reason"])


def _project(path):
    return path.split("/")[1]


def judge_image(ref, boot_image, unknown_reason, resolve, image_family):
    """The ImageJudgement of an instance whose boot disk was made from ``boot_image``.

    ``ref``: the requested ImageRef. ``boot_image``: the boot disk's
    ``sourceImage`` (None when it cannot be known, ``unknown_reason`` saying
    why). ``resolve(ref)``: (self link of the concrete image, whether it
    came from a family). ``image_family(link)``: (family of that image or
    None, None), or (None, why it cannot be read). The two callables are only
    called when the answer depends on them.
    """
    if boot_image is None:
        return ImageJudgement(UNKNOWN, None, None, None, unknown_reason)
    have = image_path(boot_image)
    if have is None:
        return ImageJudgement(UNKNOWN, None, None, None,
                              "its boot disk's sourceImage %s is not an image URL" % boot_image)
    if ref.family is False:
        want = named_image_path(ref.project, ref.name)
        return ImageJudgement(SAME if have == want else DIFFERENT, have, want, None, None)
    link, from_family = resolve(ref)
    want = image_path(link)
    family = image_label(ref._replace(family=True)) if from_family else None
    if have == want:
        return ImageJudgement(SAME, have, want, family, None)
    if not from_family or _project(have) != ref.project:
        return ImageJudgement(DIFFERENT, have, want, family, None)
    have_family, unreadable = image_family(boot_image)
    if unreadable:
        return ImageJudgement(UNKNOWN, have, want, family,
                              "its boot disk's image %s cannot be read (%s), so whether it is of family %s "
                              "is not known" % (have, unreadable, family))
    return ImageJudgement(OUTDATED if have_family == ref.name else DIFFERENT, have, want, family, None)


def wanted_label(judgement):
    """How the requested image is named in a 'differs' message."""
    if judgement.family:
        return "%s (family %s)" % (judgement.want, judgement.family)
    return judgement.want


def warning(judgement, name, recreating=False):
    """The task's warning about the instance's image, or None when there is nothing to warn about."""
    if judgement.verdict == UNKNOWN:
        outcome = ("it is recreated for its other differences only" if recreating
                   else "the instance is left as it is")
        return ("instance %s: the image its boot disk was made from is not known (%s); the image option is "
                "not compared and %s" % (name, judgement.reason, outcome))
    if judgement.verdict == OUTDATED and not recreating:
        return ("instance %s was made from %s, but image family %s now gives %s; set "
                "recreate_on_image_update: true to delete it and create it again from that image"
                % (name, judgement.have, judgement.family, judgement.want))
    return None
