//! Every string of the console in English and Simplified Chinese. A key names a string; `{0}`,
//! `{1}` … in a string are filled by [`Tr::f`]. A test checks that no key lacks its Chinese text.

use std::fmt::Display;

use kestrel_core::console::{ConsoleView, Language};

macro_rules! strings {
    ($($key:ident => ($en:expr, $zh:expr)),* $(,)?) => {
        /// A string of the console.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum S { $(#[allow(missing_docs)] $key),* }

        impl S {
            /// Every key, for checks.
            pub const ALL: &'static [S] = &[$(S::$key),*];

            /// English text.
            pub fn en(self) -> &'static str {
                match self { $(S::$key => $en),* }
            }

            /// Simplified Chinese text.
            pub fn zh(self) -> &'static str {
                match self { $(S::$key => $zh),* }
            }
        }
    };
}

strings! {
    AppSubtitle => ("police patrol ground station", "警用巡逻无人机地面站"),
    Connections => ("Connections", "连接"),
    AlertLog => ("Alert log", "告警日志"),
    Settings => ("Settings", "设置"),
    Language => ("Language", "语言"),
    DemoBadgeFmt => ("DEMO: {0} simulated aircraft", "演示：{0} 架模拟飞机"),
    TeamFmt => ("Team {0}", "巡逻{0}队"),
    SysidFmt => ("system id {0}", "系统号 {0}"),

    Fleet => ("Fleet", "机队"),
    SelectAll => ("Select all", "全选"),
    Tick => ("tick", "勾选"),
    ClearSelection => ("Clear", "清除"),
    CheckedFmt => ("{0} ticked:", "已勾选 {0} 架："),
    RtlChecked => ("Return all ticked", "勾选的全部返航"),
    HoldChecked => ("Hold all ticked", "勾选的全部悬停"),
    NoAircraftYet => ("No aircraft heard yet. Add a link under Connections.", "尚未收到任何飞机。请在“连接”中添加链路。"),
    ColTeam => ("Team", "队伍"),
    ColMode => ("Mode", "模式"),
    ColArmed => ("Armed", "解锁"),
    ColBattery => ("Battery", "电池"),
    ColGps => ("GPS", "GPS"),
    ColLink => ("Link", "链路"),
    ColAlerts => ("Alerts", "告警"),
    ArmedShort => ("ARMED", "已解锁"),
    DisarmedShort => ("safe", "锁定"),
    MinutesFmt => ("{0} min", "{0}分钟"),
    GpsNoFix => ("no fix", "未定位"),
    LinkConnected => ("good", "良好"),
    LinkDegraded => ("degraded", "降级"),
    LinkLost => ("LOST", "丢失"),

    SelectAircraftHint => ("Select an aircraft on the map or in the fleet list.", "请在地图或机队列表中选择一架飞机。"),
    Armed => ("ARMED", "已解锁"),
    Disarmed => ("disarmed", "已锁定"),
    SpeedShort => ("SPD", "速度"),
    AltShort => ("ALT", "高度"),
    AttitudeFmt => ("roll {0}°  pitch {1}°  heading {2}°", "横滚 {0}°  俯仰 {1}°  航向 {2}°"),
    Altitude => ("Altitude", "高度"),
    AltitudeFmt => ("{0} above home ({1} above sea level)", "相对起飞点 {0}（海拔 {1}）"),
    Speed => ("Speed", "速度"),
    SpeedFmt => ("{0} ground, climb {1}", "地速 {0}，爬升 {1}"),
    Battery => ("Battery", "电池"),
    MinutesLeftFmt => ("{0} min left", "剩余约 {0} 分钟"),
    Gps => ("GPS", "GPS"),
    SatellitesFmt => ("{0} satellites", "{0} 颗卫星"),
    Link => ("Link", "链路"),
    LinkDetailFmt => ("{0} · {1} msg/s · {2}% lost · heartbeat {3} s ago", "{0} · {1} 条/秒 · 丢包 {2}% · 心跳 {3} 秒前"),
    Mission => ("Mission", "任务"),
    MissionItemFmt => ("item {0} of {1}", "第 {0} 项，共 {1} 项"),
    MissionItemOnlyFmt => ("item {0}", "第 {0} 项"),
    NoMission => ("no mission", "无任务"),
    Home => ("Home", "起飞点"),
    FlightMode => ("Flight mode", "飞行模式"),
    Arm => ("Arm", "解锁"),
    Disarm => ("Disarm", "上锁"),
    Takeoff => ("Take off", "起飞"),
    TakeoffAltHintFmt => ("Take-off altitude above home (entered in metres; shown in {0} elsewhere)", "起飞高度（相对起飞点，单位米；其他处显示为 {0}）"),
    Rtl => ("Return (RTL)", "返航"),
    Land => ("Land", "降落"),
    Hold => ("Hold", "悬停"),
    ResumeMission => ("Resume mission", "继续任务"),
    FlyHereHint => ("Right-click the map to send the selected aircraft there.", "在地图上右键点击，可令所选飞机飞往该处。"),
    SendingFmt => ("{0}: sending…", "{0}：发送中…"),
    TakeoffToFmt => ("Take off to {0} m", "起飞至 {0} 米"),
    SetModeFmt => ("Mode {0}", "切换模式 {0}"),
    GotoFmt => ("Fly to {0} at {1} m", "飞往 {0}，高度 {1} 米"),
    Accepted => ("accepted", "已执行"),
    Denied => ("denied", "被拒绝"),
    Unsupported => ("not supported by the aircraft", "飞机不支持该指令"),
    TimedOut => ("timed out, no answer", "超时，无应答"),
    NotSent => ("not sent", "未发送"),
    PlotWindowHint => ("Last 5 minutes", "最近 5 分钟"),

    ConfirmTitle => ("Please confirm", "请确认"),
    ConfirmQuestionFmt => ("{0} — {1}?", "确定对 {1} 执行「{0}」？"),
    Confirm => ("Confirm", "确认执行"),
    Cancel => ("Cancel", "取消"),

    SeverityCritical => ("CRITICAL", "严重"),
    SeverityWarning => ("WARNING", "警告"),
    SeverityInfo => ("info", "提示"),
    AlertLinkDegraded => ("link degraded: late heartbeats or heavy loss", "链路降级：心跳延迟或丢包严重"),
    AlertLinkLost => ("LINK LOST: nothing heard from the aircraft", "链路丢失：收不到飞机任何数据"),
    AlertLowBatteryFmt => ("low battery: {0}%", "电量低：{0}%"),
    AlertCriticalBatteryFmt => ("CRITICAL BATTERY: {0}%, land now", "电量严重不足：{0}%，请立即降落"),
    AlertFailsafeFmt => ("FAILSAFE: switched to {0} without a command from this station", "失效保护：飞机自行切换到 {0}（非本站指令）"),
    AlertSystemCritical => ("autopilot reports a critical state", "飞控报告严重故障状态"),
    AlertGeofenceFmt => ("GEOFENCE: {0}", "电子围栏：{0}"),
    AlertAutopilotFmt => ("autopilot: {0}", "飞控消息：{0}"),
    MoreAlertsFmt => ("(+{0} more)", "（另有 {0} 条）"),
    Acknowledge => ("Acknowledge", "确认收到"),
    AcknowledgeAll => ("Acknowledge all", "全部确认"),
    Acknowledged => ("acknowledged", "已确认"),
    ShowLog => ("Log", "日志"),
    AlertCountFmt => ("{0} alerts this session", "本次共 {0} 条告警"),
    LoggedToFmt => ("written to {0}", "记录于 {0}"),
    ColTime => ("Time", "时间"),
    ColSeverity => ("Severity", "级别"),
    ColAlert => ("Alert", "告警内容"),
    ColState => ("State", "状态"),
    ClearedAtFmt => ("cleared {0}", "{0} 已恢复"),
    AckedAtFmt => ("acknowledged {0}", "{0} 已确认"),

    ConnectionHelp => ("Connection strings: udpin:HOST:PORT, udpout:HOST:PORT, tcpin:HOST:PORT, tcpout:HOST:PORT, serial:PORT:BAUD, tlog:FILE", "连接字符串：udpin:主机:端口、udpout:主机:端口、tcpin:主机:端口、tcpout:主机:端口、serial:串口:波特率、tlog:文件"),
    AddLink => ("Add link", "添加链路"),
    LinkOpened => ("opened", "已打开"),
    LinkNotOpened => ("could not open", "无法打开"),
    NoLinks => ("No links open.", "没有打开的链路。"),
    ColLinkName => ("Link", "链路"),
    ColTraffic => ("Frames in / out / bad", "收 / 发 / 错误帧"),
    ColPeers => ("Peers", "对端"),
    LinkUp => ("up", "正常"),
    LinkConnecting => ("connecting", "连接中"),
    LinkDown => ("down", "中断"),
    LinkClosed => ("closed", "已关闭"),
    TrafficFmt => ("{0} / {1} / {2}", "{0} / {1} / {2}"),
    Remove => ("Remove", "移除"),

    Units => ("Units", "单位"),
    UnitsMetric => ("metres, m/s", "米、米/秒"),
    UnitsImperial => ("feet, knots", "英尺、节"),
    MapTiles => ("Map tiles", "地图瓦片"),
    TilesCustom => ("XYZ server (URL template, e.g. Tianditu with key)", "XYZ 瓦片服务（URL 模板，如带密钥的天地图）"),
    TilesPack => ("Offline pack (.mbtiles or .pmtiles file)", "离线地图包（.mbtiles 或 .pmtiles 文件）"),
    TilesNone => ("No map (grid only)", "不显示地图（仅网格）"),
    TakeoffAltitude => ("Take-off altitude", "默认起飞高度"),
    LowBatteryAt => ("Low battery alert at", "低电量告警阈值"),
    CriticalBatteryAt => ("Critical battery alert at", "严重低电量告警阈值"),
    Callsigns => ("Callsigns", "呼号"),
    Apply => ("Apply", "应用"),
    SavedToFmt => ("saved to {0}", "保存于 {0}"),
    PackMustBeFile => ("an offline pack must be a .mbtiles or .pmtiles file", "离线地图包必须是 .mbtiles 或 .pmtiles 文件"),
    ThresholdOrder => ("the critical battery level must be below the low battery level", "严重低电量阈值必须低于低电量阈值"),

    LinksUpFmt => ("links {0}/{1} up", "链路 {0}/{1} 正常"),
    AircraftHeardFmt => ("{0} aircraft", "{0} 架飞机"),
    AircraftLostFmt => ("{0} lost", "{0} 架失联"),
    MapFmt => ("map: {0}", "地图：{0}"),
    MapLoadingFmt => ("map: {0} (loading {1})", "地图：{0}（加载中 {1}）"),
    MapOfflineFmt => ("map: {0} OFFLINE — cached tiles and grid", "地图：{0} 离线——仅显示缓存瓦片与网格"),
    Cursor => ("cursor", "光标"),
    TilesGridName => ("grid only", "仅网格"),
    RecordingFmt => ("recording {0}", "正在记录 {0}"),

    ZoomIn => ("Zoom in", "放大"),
    ZoomOut => ("Zoom out", "缩小"),
    FollowSelected => ("Follow selected", "跟随所选"),
    FollowFleet => ("Whole fleet", "显示全机队"),
    SelectAircraftFirst => ("Select an aircraft first.", "请先选择飞机。"),
    FlyHereFmt => ("Fly {0} here at {1}", "令 {0} 飞往此处（高度 {1}）"),
    CopyCoordinates => ("Copy coordinates", "复制坐标"),

    VideoViewMap => ("Map", "地图"),
    VideoViewVideo => ("Video", "视频"),
    VideoViewGrid => ("Video grid", "多路视频"),
    VideoStats => ("Stats", "统计"),
    VideoRecord => ("Record", "录像"),
    VideoStopRecording => ("Stop recording", "停止录像"),
    VideoSnapshot => ("Snapshot", "截图"),
    VideoSwap => ("Swap video and map", "切换视频与地图"),
    VideoNoSignal => ("NO SIGNAL", "无信号"),
    VideoConnecting => ("Connecting…", "正在连接…"),
    VideoNoSignalSinceFmt => ("no picture since {0}, reconnecting", "自 {0} 起无画面，正在重连"),
    VideoErrorFmt => ("stream error: {0}; retrying", "视频流错误：{0}；正在重试"),
    VideoStopped => ("stream stopped", "视频流已停止"),
    VideoNoStream => ("No video for this aircraft yet.", "该飞机暂无视频。"),
    VideoSelectAircraft => ("Select an aircraft to see its video.", "请选择飞机以查看视频。"),
    VideoRecFmt => ("REC {0}", "录像中 {0}"),
    VideoStatsFmt => ("{0} fps  {1}  {2}  dropped {3}  latency {4}", "{0} 帧/秒  {1}  {2}  丢帧 {3}  延迟 {4}"),
    VideoSnapshotSavedFmt => ("{0}: snapshot saved to {1}", "{0}：截图已保存至 {1}"),
    VideoRecordingSavedFmt => ("{0}: recording saved to {1} (SHA-256 {2})", "{0}：录像已保存至 {1}（SHA-256 {2}）"),
    VideoRecordingStartedFmt => ("{0}: recording to {1}", "{0}：正在录像至 {1}"),
    VideoFailedFmt => ("{0}: video: {1}", "{0}：视频：{1}"),
    VideoSource => ("Source", "视频源"),
    VideoSourceFmt => ("source {0} ({1})", "视频源 {0}（{1}）"),
    VideoOriginConfigured => ("set in settings", "设置中指定"),
    VideoOriginAnnounced => ("announced by the aircraft", "飞机通告"),
    VideoOriginDefault => ("default port", "默认端口"),
    VideoSourceHint => ("udp://0.0.0.0:5600, rtsp://…, mpegts://HOST:PORT or pipeline:…", "udp://0.0.0.0:5600、rtsp://…、mpegts://主机:端口 或 pipeline:…"),
    VideoApply => ("Apply", "应用"),
    VideoUseAnnounced => ("Use the aircraft's", "使用飞机通告的"),
    VideoHudBatteryFmt => ("BAT {0}", "电量 {0}"),
    VideoHudAltFmt => ("ALT {0}", "高度 {0}"),
    VideoHudSpeedFmt => ("SPD {0}", "速度 {0}"),
    VideoHudHeadingFmt => ("HDG {0}°", "航向 {0}°"),
    VideoOfFmt => ("{0} video", "{0} 视频"),
    SightingButton => ("Sighting (S)", "标记目击 (S)"),
    SightingsButtonFmt => ("Sightings ({0})", "目击记录 ({0})"),
    SightingsTitle => ("Sightings", "目击记录"),
    MarkSightingHere => ("Mark sighting here", "在此标记目击"),
    SightingAtAircraftFmt => ("Sighting at {0}", "在 {0} 位置标记目击"),
    SightingAtPointFmt => ("Sighting at {0}", "在 {0} 处标记目击"),
    SightingInVideoFmt => ("Sighting in the video of {0}", "在 {0} 的视频中标记目击"),
    SightingPickHint => ("Press 1–7 or click a category; Esc cancels.", "按 1–7 或点击类别；Esc 取消。"),
    SightingNeedsAircraft => ("Select an aircraft first, or right-click the map to mark a point.", "请先选择飞机，或在地图上右键标记地点。"),
    SightingSavingFmt => ("saving sighting: {0}…", "正在保存目击：{0}…"),
    SightingSavedFmt => ("sighting saved: {0} — queued for dispatch", "目击已保存：{0}——等待发送至指挥中心"),
    SightingFailedFmt => ("sighting NOT saved: {0}", "目击未保存：{0}"),
    SightingEditedFmt => ("changes saved: {0}", "修改已保存：{0}"),
    SightingCorrectedFmt => ("correction saved: {0}", "更正已保存：{0}"),
    CategoryPerson => ("person", "人员"),
    CategoryVehicle => ("vehicle", "车辆"),
    CategoryCrowd => ("crowd", "人群聚集"),
    CategoryTraffic => ("traffic incident", "交通事故"),
    CategoryFire => ("fire", "火情"),
    CategoryRescue => ("rescue", "救援"),
    CategoryOther => ("other", "其他"),
    IconPerson => ("P", "人"),
    IconVehicle => ("V", "车"),
    IconCrowd => ("C", "群"),
    IconTraffic => ("T", "交"),
    IconFire => ("F", "火"),
    IconRescue => ("R", "救"),
    IconOther => ("?", "他"),
    Priority => ("Priority", "优先级"),
    PriorityLow => ("low", "低"),
    PriorityNormal => ("normal", "普通"),
    PriorityHigh => ("high", "高"),
    PriorityUrgent => ("URGENT", "紧急"),
    Note => ("Note", "备注"),
    NoteHint => ("what, how many, direction…", "内容、数量、方向…"),
    StateQueued => ("queued", "待发送"),
    StateDelivered => ("delivered", "已送达"),
    StateAcknowledged => ("acknowledged", "已确认"),
    ColCategory => ("Category", "类别"),
    ColAircraft => ("Aircraft", "飞机"),
    ColPosition => ("Position", "位置"),
    ColDelivery => ("Delivery", "发送状态"),
    ColNote => ("Note", "备注"),
    NoSightings => ("No sightings yet. Press S or the Sighting button to mark one.", "暂无目击记录。按 S 键或点击“标记目击”按钮。"),
    FromMap => ("map", "地图"),
    AccuracyFmt => ("±{0}", "误差 ±{0}"),
    SaveChanges => ("Save changes", "保存修改"),
    Correct => ("Correct (append)", "更正（追加）"),
    SentCorrectHint => ("Sent sightings are never changed: a correction is appended and sent.", "已发送的目击不可修改：更正将作为新记录追加并发送。"),
    CorrectsFmt => ("corrects {0}", "更正 {0}"),
    CorrectedByFmt => ("corrected by {0}", "已被 {0} 更正"),
    CentreOnMap => ("Show on map", "在地图上显示"),
    DispatchOff => ("dispatch: off — sightings kept locally", "指挥中心：未配置——目击仅保存在本地"),
    DispatchOffFmt => ("dispatch: off — {0} kept locally", "指挥中心：未配置——{0} 条保存在本地"),
    DispatchConnectingFmt => ("dispatch: connecting — {0} waiting", "指挥中心：连接中——{0} 条待发送"),
    DispatchConnectedFmt => ("dispatch: connected — {0} waiting", "指挥中心：已连接——{0} 条待确认"),
    DispatchOfflineFmt => ("dispatch OFFLINE — {0} waiting", "指挥中心离线——{0} 条待发送"),
    DispatchFailedFmt => ("dispatch NOT WORKING: {0}", "指挥中心连接故障：{0}"),
    DispatchNoQueueFmt => ("sightings cannot be saved: {0}", "无法保存目击：{0}"),
    DispatchSettings => ("Dispatch settings", "指挥中心设置"),
    DispatchBroker => ("Broker", "消息服务器"),
    DispatchConsoleId => ("Console id", "本站编号"),
    DispatchCaFile => ("CA file (mqtts://)", "CA 证书文件（mqtts://）"),
    DispatchCredentials => ("Credentials", "用户名与密码"),
    CredentialsNone => ("none (anonymous)", "无（匿名）"),
    CredentialsFile => ("file (user name, password; chmod 600)", "文件（用户名、密码；权限 600）"),
    CredentialsEnv => ("environment variables", "环境变量"),
    DispatchCot => ("CoT to TAK", "CoT 推送至 TAK"),
    DispatchCamera => ("Camera field of view, fixed pitch", "相机视场角、固定俯仰角"),
    DispatchBrokerHint => ("mqtts://dispatch.example:8883 (empty: keep sightings locally)", "mqtts://dispatch.example:8883（留空：仅本地保存）"),
    DispatchSettingsHint => ("Passwords are never stored here: name a file or environment variables.", "此处不保存密码：请填写凭据文件或环境变量名。"),
    DispatchRetryFmt => ("retry at {0}", "{0} 重试"),
    DispatchBacklogFmt => ("{0} queued, {1} delivered, {2} acknowledged", "待发送 {0}，已送达 {1}，已确认 {2}"),
    PlanNoHome => ("No launch point: select an aircraft, or add key areas", "没有起降点：请选择一架飞机或添加重点区域"),
    PlanTitle => ("Planning", "巡逻规划"),
    PlanWorking => ("working…", "处理中…"),
    PlanTabAreas => ("Key areas", "重点区域"),
    PlanTabRoute => ("Patrol route", "巡逻航线"),
    PlanTabCrews => ("Crews & sorties", "机组与架次"),
    PlanKeyAreasLayer => ("Key areas", "重点区域"),
    PlanAreaLabelFmt => ("{0} · every {1} min", "{0} · 每 {1} 分钟"),
    PlanEveryFmt => ("every {0} min", "每 {0} 分钟"),
    PlanNoAreas => ("No key areas yet: draw one on the map or import a GeoJSON file.", "尚无重点区域：请在地图上绘制或导入 GeoJSON 文件。"),
    PlanCatCrowded => ("crowded place", "人员密集场所"),
    PlanCatKeyZone => ("key zone", "重点部位"),
    PlanCatVenue => ("event venue", "活动场馆"),
    PlanCatCamera => ("ground camera", "地面摄像头"),
    PlanCatNoFly => ("no-fly zone", "禁飞区"),
    PlanDrawArea => ("Draw new area", "绘制新区域"),
    PlanEditArea => ("Edit area", "编辑区域"),
    PlanDeleteArea => ("Delete", "删除"),
    PlanNewArea => ("New key area", "新建重点区域"),
    PlanDrawHint => ("Click the vertices on the map; double-click or Enter to finish, Esc to cancel. A camera is one click.", "在地图上逐点单击顶点；双击或回车完成，Esc 取消。摄像头只需单击一次。"),
    PlanDragVertices => ("drag the vertices, then Save", "拖动顶点后点击保存"),
    PlanDeleteConfirmFmt => ("Delete key area '{0}'? This cannot be undone.", "确定删除重点区域“{0}”？此操作不可撤销。"),
    PlanCancel => ("Cancel", "取消"),
    PlanSave => ("Save", "保存"),
    PlanName => ("Name", "名称"),
    PlanCategory => ("Category", "类别"),
    PlanPriority => ("Priority (1 = highest)", "优先级（1 最高）"),
    PlanRevisit => ("Revisit interval (min)", "巡查间隔（分钟）"),
    PlanAltitude => ("Patrol altitude (m)", "巡逻高度（米）"),
    PlanVerticesFmt => ("{0} vertices", "{0} 个顶点"),
    PlanGeoJson => ("GeoJSON / KML import / export", "GeoJSON／KML 导入／导出"),
    PlanPath => ("File", "文件"),
    PlanImport => ("Import", "导入"),
    PlanExport => ("Export", "导出"),
    PlanReplaceAll => ("replace all", "全部替换"),
    PlanRouteAreas => ("Areas to patrol", "巡逻区域"),
    PlanPattern => ("Pattern", "航线样式"),
    PlanPatPerimeter => ("perimeter", "沿边界"),
    PlanPatCoverage => ("coverage (lanes)", "全覆盖（往返航带）"),
    PlanPatTour => ("tour of areas", "多区域巡回"),
    PlanPatOrbit => ("orbit", "盘旋"),
    PlanAircraft => ("Aircraft", "飞机"),
    PlanDefaultAircraft => ("(default performance)", "（默认性能）"),
    PlanMaintenance => ("maintenance", "维护中"),
    PlanGenerate => ("Generate route", "生成航线"),
    PlanClearRoute => ("Clear route", "清除航线"),
    PlanRouteTotalsFmt => ("{0}: {1} km · {2} min · battery {3}%", "{0}：{1} 公里 · {2} 分钟 · 耗电 {3}%"),
    PlanSplitFmt => ("too long for one battery: split into {0} sorties", "单块电池无法完成：拆分为 {0} 个架次"),
    PlanSortieStatsFmt => ("sortie {0}: {1} km · {2} min · {3}%", "架次 {0}：{1} 公里 · {2} 分钟 · {3}%"),
    PlanDragWaypoints => ("Drag waypoints on the map to adjust the route.", "可在地图上拖动航点调整航线。"),
    PlanUploadToFmt => ("Upload to: {0}", "上传至：{0}"),
    PlanSortie => ("Sortie", "架次"),
    PlanTeam => ("Team", "机组"),
    PlanAircraftTeam => ("(the aircraft's team)", "（该飞机所属机组）"),
    PlanUpload => ("Upload to aircraft", "上传至飞机"),
    PlanTeams => ("Teams", "机组"),
    PlanNoTeams => ("No teams yet: form one with `kestrel crew team add`.", "尚无机组：请用 `kestrel crew team add` 组建。"),
    PlanSorties => ("Sorties (last 24 h)", "架次（近 24 小时）"),
    PlanNoSorties => ("No sorties yet.", "尚无架次。"),
    PlanStPlanned => ("planned", "已计划"),
    PlanStUploaded => ("uploaded", "已上传"),
    PlanStFlying => ("flying", "飞行中"),
    PlanStCompleted => ("completed", "已完成"),
    PlanStAborted => ("aborted", "已中止"),
    PlanExportLog => ("Export sortie log (CSV)", "导出架次日志（CSV）"),
    PlanSchedule => ("Shift schedule (UTC)", "班次排程（UTC）"),
    PlanShiftFrom => ("from", "从"),
    PlanShiftTo => ("to", "至"),
    PlanEventMode => ("Event mode:", "活动模式："),
    PlanAddEvent => ("Add", "添加"),
    PlanEventFmt => ("{0}: every {1} min during the event", "{0}：活动期间每 {1} 分钟"),
    PlanRunSchedule => ("Run scheduler", "生成排程"),
    PlanFormTeam => ("Form team", "组建机组"),
    PlanMemberFmt => ("Member {0}", "成员 {0}"),
    PlanRoleOfficer => ("officer", "民警"),
    PlanRoleAux => ("auxiliary", "辅警"),
    PlanCreateSorties => ("Record these sorties", "按排程创建架次"),
    PlanCoverageFmt => ("{0}: {1} visits, longest gap {2} min (interval {3} min)", "{0}：巡查 {1} 次，最长间隔 {2} 分钟（要求 {3} 分钟）"),
    Signing => ("Signing", "消息签名"),
    SigningOn => ("on", "已启用"),
    SigningUnconfirmed => ("key set, not yet confirmed", "已设密钥，尚未确认"),
    SigningOff => ("off (unsigned)", "未启用（未签名）"),
    SigningRejectedFmt => ("{0} frames refused", "已拒收 {0} 帧"),
    ColTrusted => ("Trusted", "可信"),
    LinkTrusted => ("trusted", "可信"),
    LinkTrustedHint => ("Only over a trusted link — e.g. a USB cable or a bench radio — is a signing key ever sent to an aircraft, since anyone listening to the link learns the key. Do not mark a radio link used in the field as trusted.", "只有通过可信链路（例如USB数据线或台架上的数传电台）才会向飞机发送签名密钥，因为任何监听该链路的人都能获知密钥。请勿将外场使用的无线链路标为可信。"),
    SigningSetup => ("Set up signing…", "设置签名…"),
    SigningRevoke => ("Revoke…", "撤销…"),
    SigningSetupHint => ("Sends this aircraft a new key over the trusted link; then every frame to it is signed and its unsigned frames are refused, so no other station can command it.", "通过可信链路向这架飞机发送新密钥；此后发往它的每帧消息都带签名，它发出的未签名消息将被拒收，其他地面站无法再控制它。"),
    SigningNeedsTrustedHint => ("This aircraft is not heard over any trusted link. Connect it by USB cable or bench radio and tick \"trusted\" for that link under Connections first.", "这架飞机不在任何可信链路上。请先用USB数据线或台架数传电台连接，并在“连接”中勾选该链路的“可信”。"),
    SigningRevokeHint => ("Tells the aircraft (with a signed message) to stop signing and deletes its key here.", "（用签名消息）通知飞机停止签名，并删除本站保存的密钥。"),
    SigningConfirmSetupFmt => ("Send a signing key to {0} over the trusted link? From then on only stations holding the key can command it.", "通过可信链路向{0}发送签名密钥？此后只有持有该密钥的地面站才能控制它。"),
    SigningConfirmRevokeFmt => ("Turn signing off with {0}? Any station will be able to command it again.", "关闭与{0}的消息签名？此后任何地面站都能再次控制它。"),
    SigningWorking => ("working…", "进行中…"),
    SigningSetupDoneFmt => ("{0}: signing on", "{0}：签名已启用"),
    SigningRevokeDoneFmt => ("{0}: signing off, key deleted", "{0}：签名已关闭，密钥已删除"),
    SigningFailedFmt => ("{0}: signing not changed — {1}", "{0}：签名未更改——{1}"),
    AlertFramesRefusedFmt => ("{0} {1} frames refused — another station may be trying to command or spoof this aircraft", "已拒收 {0} 帧{1}消息——可能有其他地面站试图控制或冒充这架飞机"),
    RefusalUnsigned => ("unsigned", "未签名"),
    RefusalBadSignature => ("wrongly signed", "签名错误的"),
    RefusalReplayed => ("replayed", "重放的"),
    AlertSysidConflictFmt => ("system id conflict: {0}", "系统号冲突：{0}"),
    VideoRecoveredFmt => ("recovered {0} unfinished recording(s) from {1} at {2}: fingerprinted into the evidence log", "已恢复 {0} 段未完成的录像（{1}，{2}），已计算指纹并记入证据日志"),
    VideoRecoverFailedFmt => ("could not recover {0} unfinished recording(s): {1}", "有 {0} 段未完成的录像无法恢复：{1}"),
    CotCaFile => ("TAK server CA file", "TAK 服务器 CA 证书文件"),
    CotCertFile => ("Client certificate file", "客户端证书文件"),
    CotKeyFile => ("Client private key file", "客户端私钥文件"),
    CotKeyFileHint => ("empty: in the certificate file", "留空：私钥在证书文件中"),
    RosterPeople => ("Roster", "人员名册"),
    RosterNoPeople => ("No one on the roster yet.", "名册中还没有人员。"),
    RosterNoTeam => ("no team", "未编组"),
    RosterPersonName => ("Person's name", "姓名"),
    RosterAsOfficer => ("as officer", "民警（机长）"),
    RosterAsAux => ("as auxiliary", "辅警"),
    RosterAddPerson => ("Add person", "添加人员"),
    RosterDeletePerson => ("Delete person", "删除人员"),
    RosterRegistry => ("Aircraft registry", "飞机登记"),
    RosterNoAircraft => ("No aircraft registered yet.", "还没有登记飞机。"),
    RosterCallsign => ("Callsign", "呼号"),
    RosterModel => ("Model", "型号"),
    RosterSerial => ("Serial", "序列号"),
    RosterEndurance => ("Endurance", "续航"),
    RosterCruise => ("Cruise speed", "巡航速度"),
    RosterFov => ("Camera FOV", "相机视场角"),
    RosterSysid => ("System id", "系统号"),
    RosterInService => ("in service", "可用"),
    RosterMaintFmt => ("maintenance: {0}", "维护中：{0}"),
    RosterNewAircraft => ("Register aircraft", "登记飞机"),
    RosterEditAircraft => ("Edit aircraft", "编辑飞机"),
    RosterSaveAircraft => ("Save aircraft", "保存飞机"),
    RosterDeleteAircraft => ("Delete aircraft", "删除飞机"),
    RosterMaintNote => ("Maintenance note", "维护说明"),
    RosterToMaint => ("Put in maintenance", "转入维护"),
    RosterToService => ("Back in service", "恢复可用"),
    RosterMaintDefault => ("taken out of service from the console", "已在地面站中停用"),
    RosterDisband => ("Disband", "解散"),
    RosterConfirmPersonFmt => ("Delete {0} from the roster?", "从名册中删除 {0}？"),
    RosterConfirmAircraftFmt => ("Delete aircraft {0} from the registry?", "从登记中删除飞机 {0}？"),
    RosterConfirmTeamFmt => ("Disband team {0}? Its people and aircraft stay on the roster and in the registry.", "解散小组 {0}？其人员和飞机仍保留在名册和登记中。"),
    RosterEnduranceFmt => ("{0} min", "{0} 分钟"),
    RosterFovFmt => ("FOV {0}°", "视场角 {0}°"),
    RosterSysidBad => ("the system id must be a number from 1 to 255, or empty", "系统号须为 1 到 255 之间的数字，或留空"),
}

/// The strings of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Language);

impl Tr {
    /// The text of `key`.
    pub fn s(self, key: S) -> &'static str {
        match self.0 {
            Language::English => key.en(),
            Language::Chinese => key.zh(),
        }
    }

    /// The text of `key` with `{0}`, `{1}` … replaced by `args`.
    pub fn f(self, key: S, args: &[&dyn Display]) -> String {
        let mut out = self.s(key).to_string();
        for (i, a) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), &a.to_string());
        }
        out
    }
}

/// The callsign of an aircraft in `view` as the window shows it: the one the core resolved
/// (settings, else the crew registry), else "Team N" in the window's language.
pub fn callsign(view: &ConsoleView, tr: Tr, sysid: u8) -> String {
    view.callsigns
        .get(&sysid)
        .cloned()
        .unwrap_or_else(|| tr.f(S::TeamFmt, &[&sysid]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<usize> {
        let mut v: Vec<usize> = (0..5).filter(|i| s.contains(&format!("{{{i}}}"))).collect();
        v.sort();
        v
    }

    #[test]
    fn every_string_is_translated_with_the_same_placeholders() {
        for k in S::ALL {
            let (en, zh) = (k.en(), k.zh());
            assert!(!en.is_empty() && !zh.is_empty(), "{k:?} is empty");
            assert_eq!(
                placeholders(en),
                placeholders(zh),
                "{k:?} placeholders differ"
            );
            let has_cjk = zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            let language_neutral = matches!(k, S::ColGps | S::Gps | S::TrafficFmt);
            assert!(
                has_cjk || language_neutral,
                "{k:?} has no Chinese text: {zh}"
            );
        }
    }

    #[test]
    fn formatting_fills_placeholders() {
        let tr = Tr(Language::Chinese);
        assert_eq!(tr.f(S::TeamFmt, &[&3]), "巡逻3队");
        assert_eq!(
            Tr(Language::English).f(S::MissionItemFmt, &[&2, &9]),
            "item 2 of 9"
        );
    }
}
