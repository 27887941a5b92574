"""Courses for creators (docs/courses.md): short lessons per growth stage, written by staff in English and
Simplified Chinese, which creators read and mark done. Writes, so not the read-side app (insights); it
sits beside payouts in the layer contract and reads only creators and the kernel."""
