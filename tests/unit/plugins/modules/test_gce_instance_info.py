"""gce_instance_info's filter building and validation."""

import pytest

from ansible_collections.confidential.tdx.plugins.modules.gce_instance_info import (
    filter_expression,
    matches,
    validate,
)


def params(**values):
    base = dict(names=None, zones=None, labels=None, filters=None)
    base.update(values)
    return base


def test_no_conditions_no_filter():
    assert filter_expression(params()) is None


def test_conditions_are_parenthesised_and_anded_names_ored():
    expression = filter_expression(params(names=["a", "b"], labels={"env": "prod", "team": 'say "hi"'},
                                          filters=['status = "RUNNING"']))
    assert expression == ('(status = "RUNNING") (labels.env = "prod") (labels.team = "say \\"hi\\"") '
                          '((name = "a") OR (name = "b"))')


def test_an_eq_filter_keeps_names_and_labels_out_of_the_api_filter():
    """The API refuses a filter that mixes the eq/ne form with the = form; matches() applies them instead."""
    expression = filter_expression(params(names=["a"], labels={"env": "prod"}, filters=["name eq web-.*"]))
    assert expression == "name eq web-.*"


def test_matches_checks_names_and_labels_again():
    instance = {"name": "a", "labels": {"env": "prod"}}
    assert matches(instance, params(names=["a"], labels={"env": "prod"}))
    assert not matches(instance, params(names=["b"]))
    assert not matches(instance, params(labels={"env": "dev"}))
    assert matches({"name": "a"}, params())


@pytest.mark.parametrize("values, expected", [
    (dict(names=["Bad"]), "names: 'Bad' is not a valid instance name"),
    (dict(zones=["us-central1"]), "zones: 'us-central1' is not a zone name"),
])
def test_validation(values, expected):
    assert validate(params(**values))[0].startswith(expected)


def test_a_yaml_boolean_label_is_the_label_value_true():
    # Found by the reliability campaign: labels {canary: true} asked for "True", which no instance carries.
    # One condition is sent as written (the dialect of combined_filter, shared with the inventory).
    assert filter_expression(params(labels={"canary": True})) == 'labels.canary = "true"'
    assert matches({"name": "a", "labels": {"canary": "true"}}, params(labels={"canary": True}))


@pytest.mark.parametrize("values, expected", [
    (dict(labels={"Env": "prod"}), "labels: Env=prod is not a valid label"),
    (dict(filters=[" "]), "filters: an empty expression"),
])
def test_conditions_that_can_never_match_are_refused(values, expected):
    assert validate(params(**values))[0].startswith(expected)
