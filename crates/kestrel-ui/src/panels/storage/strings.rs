//! The strings of the disk in the status bar, in English and Simplified Chinese.

crate::i18n::strings! {
    DiskFreeFmt => ("Disk: {0} free", "磁盘：剩余 {0}"),
    DiskStopsShortFmt => ("recordings stop in ~{0} min", "约 {0} 分钟后录像停止"),
    DiskFull => ("Disk full: sightings and recordings are refused — free some space", "磁盘已满：无法保存目标标记和录像——请释放空间"),
    DiskStopsInFmt => ("recordings stop in about {0} min at this rate", "按当前速度，约 {0} 分钟后录像将停止"),
    DiskMostlyUsedFmt => ("disk {0} % full", "磁盘已用 {0}%"),
    DiskHoverFmt => ("{0} free of {1} in {2}", "{2} 所在磁盘共 {1}，剩余 {0}"),
    DiskFillingFmt => ("filling at {0}/s", "写入速度 {0}/秒"),
    DiskUnmeasuredFmt => ("Disk not measured: {0}", "无法测量磁盘：{0}"),
    DiskPruneHint => ("Old telemetry logs and hashed recordings can be removed with `kestrel storage prune`.", "可用 `kestrel storage prune` 删除旧的遥测日志和已登记哈希的录像。"),
}
