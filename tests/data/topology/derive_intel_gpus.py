#!/usr/bin/env python3
"""derive_intel_gpus.py: writes intel-gpus.xml from vm-epyc-2pu.xml (a real `lstopo --of xml`
export of the 2-vCPU development VM) by replacing its PCI tree with one that exercises the GPU
rules no shared export covers: Intel integrated graphics at 00:02.0 seen only through DRM, an Arc
card and a Data Center GPU Max seen through Level Zero (with subdevices ze1.0/ze1.1 and an
OpenCL twin), a BMC VGA with a DRM device, and an OpenCL CPU device with no PCI parent.
The CPU, NUMA and memory part stays the VM's. Run: python3 derive_intel_gpus.py
"""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))

IO = """    <object type="Bridge" gp_index="100" bridge_type="0-1" depth="0" bridge_pci="0000:[00-29]">
      <object type="PCIDev" gp_index="101" pci_busid="0000:00:02.0" pci_type="0300 [8086:a780] [1043:8882] 04" pci_link_speed="0.000000">
        <info name="PCIVendor" value="Intel Corporation"/>
        <info name="PCIDevice" value="Raptor Lake-S GT1 [UHD Graphics 770]"/>
        <object type="OSDev" gp_index="102" name="card0" osdev_type="1"/>
        <object type="OSDev" gp_index="103" name="renderD128" osdev_type="1"/>
      </object>
      <object type="Bridge" gp_index="104" bridge_type="1-1" depth="1" bridge_pci="0000:[03-03]" pci_busid="0000:00:01.0" pci_type="0604 [8086:a70d] [0000:0000] 01" pci_link_speed="0.000000">
        <object type="PCIDev" gp_index="105" pci_busid="0000:03:00.0" pci_type="0300 [8086:56a0] [8086:1020] 08" pci_link_speed="0.000000">
          <info name="PCIVendor" value="Intel Corporation"/>
          <info name="PCIDevice" value="DG2 [Arc A770]"/>
          <object type="OSDev" gp_index="106" name="ze0" subtype="LevelZero" osdev_type="5">
            <info name="Backend" value="LevelZero"/>
            <info name="LevelZeroDeviceType" value="GPU"/>
            <info name="GPUVendor" value="Intel(R) Corporation"/>
            <info name="GPUModel" value="Intel(R) Arc(TM) A770 Graphics"/>
            <info name="LevelZeroDDRSize" value="16225280"/>
          </object>
          <object type="OSDev" gp_index="107" name="card1" osdev_type="1"/>
        </object>
      </object>
      <object type="Bridge" gp_index="108" bridge_type="1-1" depth="1" bridge_pci="0000:[05-05]" pci_busid="0000:00:1c.0" pci_type="0604 [8086:a740] [0000:0000] 01" pci_link_speed="0.000000">
        <object type="PCIDev" gp_index="109" pci_busid="0000:05:00.0" pci_type="0300 [1a03:2000] [1a03:2000] 52" pci_link_speed="0.000000">
          <info name="PCIVendor" value="ASPEED Technology, Inc."/>
          <info name="PCIDevice" value="ASPEED Graphics Family"/>
          <object type="OSDev" gp_index="110" name="card2" osdev_type="1"/>
        </object>
      </object>
      <object type="Bridge" gp_index="111" bridge_type="1-1" depth="1" bridge_pci="0000:[29-29]" pci_busid="0000:00:1d.0" pci_type="0604 [8086:a741] [0000:0000] 01" pci_link_speed="0.000000">
        <object type="PCIDev" gp_index="112" pci_busid="0000:29:00.0" pci_type="0380 [8086:0bd5] [8086:0000] 2f" pci_link_speed="0.000000">
          <info name="PCIVendor" value="Intel Corporation"/>
          <info name="PCIDevice" value="Ponte Vecchio XT (2 Tile) [Data Center GPU Max 1550]"/>
          <object type="OSDev" gp_index="113" name="ze1" subtype="LevelZero" osdev_type="5">
            <info name="Backend" value="LevelZero"/>
            <info name="GPUVendor" value="Intel(R) Corporation"/>
            <info name="GPUModel" value="Intel(R) Data Center GPU Max 1550"/>
            <info name="LevelZeroHBMSize" value="134217728"/>
            <object type="OSDev" gp_index="114" name="ze1.0" subtype="LevelZero" osdev_type="5">
              <info name="Backend" value="LevelZero"/>
              <info name="LevelZeroHBMSize" value="67108864"/>
            </object>
            <object type="OSDev" gp_index="115" name="ze1.1" subtype="LevelZero" osdev_type="5">
              <info name="Backend" value="LevelZero"/>
              <info name="LevelZeroHBMSize" value="67108864"/>
            </object>
          </object>
          <object type="OSDev" gp_index="116" name="opencl0d0" subtype="OpenCL" osdev_type="5">
            <info name="Backend" value="OpenCL"/>
            <info name="OpenCLDeviceType" value="GPU"/>
            <info name="GPUModel" value="Intel(R) Data Center GPU Max 1550"/>
            <info name="OpenCLGlobalMemorySize" value="134217728"/>
          </object>
        </object>
      </object>
    </object>
    <object type="OSDev" gp_index="117" name="opencl1d0" subtype="OpenCL" osdev_type="5">
      <info name="Backend" value="OpenCL"/>
      <info name="OpenCLDeviceType" value="CPU"/>
      <info name="GPUModel" value="Oxide Virtual Turin-like Processor"/>
      <info name="OpenCLGlobalMemorySize" value="4548384"/>
    </object>
"""

src = open(os.path.join(HERE, "vm-epyc-2pu.xml")).read()
# The VM's own host bridge (virtio disk and NIC) is replaced by the tree above.
out, n = re.subn(r'    <object type="Bridge".*?\n    </object>\n', lambda m: IO, src, count=1, flags=re.S)
assert n == 1, "no host bridge found in vm-epyc-2pu.xml"
out = out.replace('<info name="HostName" value="vm"/>', '<info name="HostName" value="derived-intel-gpus"/>')
open(os.path.join(HERE, "intel-gpus.xml"), "w").write(out)
