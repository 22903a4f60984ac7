"""Helpers for driving the emulator with the real google-cloud-compute client."""

from google.cloud import compute_v1

ZONE = "us-central1-a"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
TDX_IMAGE = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts"
# Operations still pass through PENDING and RUNNING, just quickly; tests about
# the states themselves set a long duration and move the emulator's clock.
FAST_OPERATION_SECONDS = 0.05


def tdx_instance(name, zone=ZONE, machine_type="c3-standard-4", image=TDX_IMAGE, maintenance="TERMINATE",
                 confidential_type="TDX", external_ip=False, **fields):
    """An Instance message asking for a TDX VM as the seed gcloud command does."""
    nic = compute_v1.NetworkInterface(network="global/networks/default")
    if external_ip:
        nic.access_configs = [compute_v1.AccessConfig(name="External NAT", type_="ONE_TO_ONE_NAT")]
    instance = compute_v1.Instance(
        name=name,
        machine_type="zones/%s/machineTypes/%s" % (zone, machine_type),
        disks=[compute_v1.AttachedDisk(
            boot=True, auto_delete=True,
            initialize_params=compute_v1.AttachedDiskInitializeParams(source_image=image))],
        network_interfaces=[nic],
        **fields,
    )
    if maintenance is not None:
        instance.scheduling = compute_v1.Scheduling(on_host_maintenance=maintenance)
    if confidential_type is not None:
        instance.confidential_instance_config = compute_v1.ConfidentialInstanceConfig(
            confidential_instance_type=confidential_type)
    return instance


def status_name(operation):
    return compute_v1.Operation.Status(operation.status).name


class Compute:
    """The real clients, pointed at the emulator with one credential."""

    def __init__(self, emulator, credentials):
        self.emulator = emulator
        self.project = emulator.project
        self.credentials = credentials
        options = {"api_endpoint": emulator.base_url}
        self.instances = compute_v1.InstancesClient(credentials=credentials, client_options=options)
        self.operations = compute_v1.ZoneOperationsClient(credentials=credentials, client_options=options)
        self.images = compute_v1.ImagesClient(credentials=credentials, client_options=options)
        self.machine_types = compute_v1.MachineTypesClient(credentials=credentials, client_options=options)
        self.zones = compute_v1.ZonesClient(credentials=credentials, client_options=options)
        self.networks = compute_v1.NetworksClient(credentials=credentials, client_options=options)
        self.subnetworks = compute_v1.SubnetworksClient(credentials=credentials, client_options=options)

    def insert(self, instance, zone=ZONE, request_id=None):
        request = compute_v1.InsertInstanceRequest(project=self.project, zone=zone, instance_resource=instance)
        if request_id:
            request.request_id = request_id
        return self.instances.insert_unary(request=request)

    def wait(self, operation, zone=ZONE):
        """Block on zoneOperations.wait until DONE (each call waits up to its limit)."""
        while True:
            operation = self.operations.wait(project=self.project, zone=zone, operation=operation.name)
            if status_name(operation) == "DONE":
                return operation

    def create(self, instance, zone=ZONE):
        operation = self.wait(self.insert(instance, zone), zone)
        assert not operation.error.errors, operation.error
        return self.get(instance.name, zone)

    def get(self, name, zone=ZONE):
        return self.instances.get(project=self.project, zone=zone, instance=name)

    def list_names(self, zone=ZONE, **request_fields):
        request = compute_v1.ListInstancesRequest(project=self.project, zone=zone, **request_fields)
        return [instance.name for instance in self.instances.list(request=request)]


def api_errors(exception_info):
    """The ``errors[]`` entries of a GoogleAPICallError raised by the client."""
    return exception_info.value.errors


def reasons(exception_info):
    return [entry["reason"] for entry in api_errors(exception_info)]
