# -*- coding: utf-8 -*-
# Copyright: confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The instanceGroupManagers calls on one group, zonal or regional: one door for the group modules."""

from ansible_collections.confidential.tdx.plugins.module_utils.gce.api import to_message
from ansible_collections.confidential.tdx.plugins.module_utils.gce.errors import GceError
from ansible_collections.confidential.tdx.plugins.module_utils.gce.instances import is_not_found


class GroupCalls:
    """The calls on one group, zonal (``where['zone']``) or regional (``where['region']``)."""

    def __init__(self, api, name, where):
        self.api = api
        self.name = name
        # Request types by their full names: the names a module run builds (lazy_compute) are read from them.
        if where.get("zone"):
            self.client, self.scope = "InstanceGroupManagersClient", dict(zone=where["zone"])
            self.requests = dict(
                get="GetInstanceGroupManagerRequest", insert="InsertInstanceGroupManagerRequest",
                patch="PatchInstanceGroupManagerRequest", resize="ResizeInstanceGroupManagerRequest",
                template="SetInstanceTemplateInstanceGroupManagerRequest",
                delete="DeleteInstanceGroupManagerRequest", members="ListManagedInstancesInstanceGroupManagersRequest",
                create_members="CreateInstancesInstanceGroupManagerRequest", list="ListInstanceGroupManagersRequest",
                delete_members="DeleteInstancesInstanceGroupManagerRequest")
            self.template_field = ("instance_group_managers_set_instance_template_request_resource",
                                   "InstanceGroupManagersSetInstanceTemplateRequest")
            self.member_fields = ("instance_group_managers_%s_instances_request_resource",
                                  "InstanceGroupManagers%sInstancesRequest")
        else:
            self.client, self.scope = "RegionInstanceGroupManagersClient", dict(region=where["region"])
            self.requests = dict(
                get="GetRegionInstanceGroupManagerRequest", insert="InsertRegionInstanceGroupManagerRequest",
                patch="PatchRegionInstanceGroupManagerRequest", resize="ResizeRegionInstanceGroupManagerRequest",
                template="SetInstanceTemplateRegionInstanceGroupManagerRequest",
                delete="DeleteRegionInstanceGroupManagerRequest",
                members="ListManagedInstancesRegionInstanceGroupManagersRequest",
                create_members="CreateInstancesRegionInstanceGroupManagerRequest",
                list="ListRegionInstanceGroupManagersRequest",
                delete_members="DeleteInstancesRegionInstanceGroupManagerRequest")
            self.template_field = ("region_instance_group_managers_set_template_request_resource",
                                   "RegionInstanceGroupManagersSetTemplateRequest")
            self.member_fields = ("region_instance_group_managers_%s_instances_request_resource",
                                  "RegionInstanceGroupManagers%sInstancesRequest")

    def _fields(self, **more):
        return dict(self.scope, project=self.api.project, **more)

    def get(self):
        try:
            return self.api.read(self.client, "get", self.requests["get"], "read group %s" % self.name,
                                 **self._fields(instance_group_manager=self.name))
        except GceError as error:
            if is_not_found(error):
                return None
            raise

    def list_groups(self):
        pages = self.api.read_pages(self.client, "list", self.requests["list"], "list the groups",
                                    **self._fields())
        return [group for page in pages for group in page.get("items") or ()]

    def members(self):
        pages = self.api.read_pages(self.client, "list_managed_instances", self.requests["members"],
                                    "list the members of group %s" % self.name,
                                    **self._fields(instance_group_manager=self.name))
        return [member for page in pages for member in page.get("managedInstances") or ()]

    def write(self, method, request, action, **fields):
        operation = self.api.write(self.client, method, request, action, **self._fields(**fields))
        self.api.wait_alone(operation, action)

    def insert(self, body, action):
        self.write("insert", self.requests["insert"], action,
                   instance_group_manager_resource=to_message("InstanceGroupManager", body))

    def change(self, kind, value, action):
        name = dict(instance_group_manager=self.name)
        if kind == "patch":
            self.write("patch", self.requests["patch"], action,
                       instance_group_manager_resource=to_message("InstanceGroupManager", value), **name)
        elif kind == "template":
            field, message = self.template_field
            self.write("set_instance_template", self.requests["template"], action,
                       **dict(name, **{field: to_message(message, {"instanceTemplate": value})}))
        else:
            self.write("resize", self.requests["resize"], action, size=value, **name)

    def delete(self, action):
        self.write("delete", self.requests["delete"], action, instance_group_manager=self.name)

    def create_members(self, names, action):
        """createInstances: members of these names, from the group's current template (targetSize grows)."""
        field, message = self.member_fields
        self.write("create_instances", self.requests["create_members"], action, instance_group_manager=self.name,
                   **{field % "create": to_message(message % "Create", {"instances": [{"name": n} for n in names]})})

    def delete_members(self, instance_links, action):
        """deleteInstances: these members go and targetSize shrinks by as many; no other member is made for them."""
        field, message = self.member_fields
        self.write("delete_instances", self.requests["delete_members"], action, instance_group_manager=self.name,
                   **{field % "delete": to_message(message % "Delete", {"instances": list(instance_links)})})
