# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What gce_instance_template does once its options are parsed: check, read, create or delete, answer.

Templates cannot change. With name_suffix hash (the default) the template is
named NAME-<8 hex digits of the spec's hash>, so a changed spec is a new
name: the task creates it and reports the one it replaces as RV(previous),
which stays (a group may still use it; a rollback needs it). With
name_suffix none the template is named NAME; an existing NAME made from
another spec is a refusal, never a delete and re-create.
"""

from ansible_collections.confidential.tdx.plugins.module_utils._gce_instance_template.properties import (
    family_filter,
    problems,
    recorded_hash,
    spec_hash,
    template_description,
    template_name,
    template_properties,
    view,
)
from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import to_message
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.resource_names import parse_image
from ansible_collections.confidential.tdx.plugins.module_utils.gce.vm_checks import boot_image_problem
from ansible_collections.confidential.tdx.plugins.module_utils.gce.write_task import WriteTask, run_write_task

TEMPLATES = "InstanceTemplatesClient"


class TemplateTask(WriteTask):

    # -- reads and writes -----------------------------------------------------------------------
    def family(self):
        """The templates of this task's name (NAME and NAME-<hash>), oldest first."""
        pages = self.gce.api.read_pages(TEMPLATES, "list", "ListInstanceTemplatesRequest",
                                        "list the templates named %s" % self.params["name"],
                                        project=self.gce.api.project, filter=family_filter(self.params))
        found = [item for page in pages for item in page.get("items") or ()]
        return sorted(found, key=lambda template: (template.get("creationTimestamp") or "", template["name"]))

    def _write(self, method, request_type, action, **fields):
        self.actions.append(action)
        operation = self.gce.api.write(TEMPLATES, method, request_type, action, project=self.gce.api.project,
                                       **fields)
        self.wrote = True
        self.gce.api.wait_alone(operation, action)

    # -- the task ---------------------------------------------------------------------------------
    def image(self):
        """The concrete image the task's image names now; refused unless it can boot a TDX trust domain."""
        ref = parse_image(self.params["image"])
        image = self.gce.instances.image(ref)
        problem = boot_image_problem(self.params, ref, image)
        if problem:
            self.gce.fail(problem)
        return image

    def present(self):
        image = self.image()
        properties = template_properties(self.params, self.gce.api.project, image["selfLink"])
        digest = spec_hash(properties, self.params["description"])
        name = template_name(self.params, digest)
        family = self.family()
        existing = next((template for template in family if template["name"] == name), None)
        others = [template for template in family if template["name"] != name]
        previous = others[-1] if others else None
        planned = {"name": name, "self_link": None, "spec_hash": digest, "creation_timestamp": None,
                   "machine_type": properties["machineType"], "image": image["selfLink"], "properties": properties}
        if existing is not None:
            if recorded_hash(existing) != digest:
                self.gce.fail(
                    "name: template %s exists with other properties (spec hash %s, this task's %s), and a "
                    "template cannot change; give another name, or name_suffix: hash to name each spec's "
                    "template after its hash" % (name, (recorded_hash(existing) or "none")[:12], digest[:12]),
                    changed=False, actions=[])
            return self.answer(False, view(existing), family, previous=None, before=view(existing))
        action = "create template %s" % name
        if self.gce.check_mode:
            self.actions.append(action)
        else:
            body = {"name": name, "description": template_description(self.params, digest),
                    "properties": properties}
            self._write("insert", "InsertInstanceTemplateRequest", action,
                        instance_template_resource=to_message("InstanceTemplate", body))
            planned = view(self.gce.api.read(TEMPLATES, "get", "GetInstanceTemplateRequest",
                                             "read template %s" % name, project=self.gce.api.project,
                                             instance_template=name))
            family = family + [{"name": name}]
        return self.answer(True, planned, family, previous=previous, before=view(previous))

    def absent(self):
        family = self.family()
        if self.params["name_suffix"] == "none":
            family = [template for template in family if template["name"] == self.params["name"]]
        deleted = []
        for template in family:
            action = "delete template %s" % template["name"]
            if self.gce.check_mode:
                self.actions.append(action)
                deleted.append(template["name"])
                continue
            try:
                self._write("delete", "DeleteInstanceTemplateRequest", action,
                            instance_template=template["name"])
            except GceError as error:
                # Say exactly what the task left: the templates it deleted before, and those still there.
                left = [t["name"] for t in family if t["name"] not in deleted]
                self.gce.fail("%s; deleted: %s; left: %s" % (error.message, ", ".join(deleted) or "none",
                                                             ", ".join(left)),
                              changed=bool(deleted), actions=self.actions, deleted=deleted, left=left)
            deleted.append(template["name"])
        result = dict(changed=bool(deleted), actions=self.actions, deleted=deleted, template={}, templates=[],
                      previous=None)
        if self.gce.diff_mode:
            result["diff"] = {"before": {"templates": [t["name"] for t in family]}, "after": {"templates": []}}
        return result

    def answer(self, changed, template, family, previous, before):
        result = dict(changed=changed, actions=self.actions, template=template,
                      templates=[t["name"] for t in family],
                      previous=previous["name"] if previous else None, created=changed)
        if self.gce.diff_mode:
            shown = ("name", "machine_type", "image", "spec_hash", "properties")
            result["diff"] = {"before": dict((key, before.get(key)) for key in shown) if before else {},
                              "after": dict((key, template.get(key)) for key in shown)}
        return result


def run(gce):
    """Run the task of the GceModule ``gce`` to its end (exit_json or fail_json)."""
    present = gce.params["state"] == "present"
    run_write_task(gce, problems(gce.params), TemplateTask, lambda task: task.present() if present else task.absent(),
                   "%s template %s" % ("create" if present else "delete", gce.params["name"]))
