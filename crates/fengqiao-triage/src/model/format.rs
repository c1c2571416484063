//! The model's own binary format: little-endian, versioned, checked on load.

use super::*;

const MAGIC: &[u8; 8] = b"FQTRIAGE";
const FORMAT: u32 = 1;

impl Model {
    /// The model in Fengqiao's own little-endian binary format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.n_features * (self.labels.len() + 1) * 4 + 1024);
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, FORMAT);
        put_f32(&mut out, self.title_weight);
        put_f32(&mut out, self.temperature);
        put_u32(&mut out, self.labels.len() as u32);
        for l in &self.labels {
            put_str(&mut out, l);
        }
        for b in &self.blocks {
            put_u32(&mut out, b.names.len() as u32);
            for (i, name) in b.names.iter().enumerate() {
                put_str(&mut out, name);
                put_f32(&mut out, self.rows.idf(b.offset + i as u32));
            }
        }
        let nc = self.labels.len();
        for j in 0..self.n_features as u32 {
            for c in 0..nc {
                put_f32(&mut out, self.rows.weight(j, c));
            }
        }
        for w in &self.bias {
            put_f32(&mut out, *w);
        }
        out
    }

    /// Reads a model written by [`Model::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, TriageError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err(TriageError::Format("不是枫桥分类模型文件".into()));
        }
        let format = r.u32()?;
        if format != FORMAT {
            return Err(TriageError::Format(format!(
                "不支持的模型格式版本 {format}"
            )));
        }
        let title_weight = r.f32()?;
        let temperature = r.f32()?;
        let nc = r.u32()? as usize;
        if !(2..=100_000).contains(&nc) {
            return Err(TriageError::Format(format!("类别数 {nc} 不合理")));
        }
        let labels = (0..nc).map(|_| r.string()).collect::<Result<Vec<_>, _>>()?;
        let mut blocks: [Block; BLOCKS] = Default::default();
        let mut offset = 0u32;
        let mut idf = Vec::new();
        for b in &mut blocks {
            let n = r.u32()? as usize;
            b.offset = offset;
            b.names.reserve(n.min(bytes.len()));
            for _ in 0..n {
                let name: Box<str> = r.string()?.into();
                idf.push(r.f32()?);
                b.names.push(name);
            }
            offset = offset
                .checked_add(n as u32)
                .ok_or_else(|| TriageError::Format("特征数溢出".into()))?;
        }
        let n_features = offset as usize;
        let mut rows = Rows::new(&idf, nc);
        for j in 0..n_features {
            for c in 0..nc {
                rows.set_weight(j, c, r.f32()?);
            }
        }
        let bias = (0..nc).map(|_| r.f32()).collect::<Result<Vec<_>, _>>()?;
        if r.at != bytes.len() {
            return Err(TriageError::Format("模型文件末尾有多余数据".into()));
        }
        let mut model = Model {
            labels,
            title_weight,
            temperature,
            blocks,
            n_features,
            rows,
            bias,
        };
        model.index_terms();
        Ok(model)
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_f32(out: &mut Vec<u8>, v: f32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], TriageError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| TriageError::Format("模型文件被截断".into()))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, TriageError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn f32(&mut self) -> Result<f32, TriageError> {
        Ok(f32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn string(&mut self) -> Result<String, TriageError> {
        let n = self.u32()? as usize;
        let raw = self.take(n)?;
        String::from_utf8(raw.to_vec())
            .map_err(|_| TriageError::Format("模型文件含无效文字".into()))
    }
}
