//! The strings of the terrain rows, in English and Simplified Chinese.

crate::i18n::strings! {
    AboveGround => ("Above ground", "离地高度"),
    NoTile => ("no terrain tile here", "此处无地形数据"),
    AircraftTerrain => ("Terrain data", "地形数据"),
    TerrainLoadedFmt => ("{0} of 56 sub-grids held, {1} pending", "已有 {0}/56 子网格，待传 {1}"),
    TerrainMissingFmt => ("cannot send: {0}", "无法发送：{0}"),
}
