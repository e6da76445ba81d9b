# Machine-assisted translation, not yet reviewed by a native speaker.
nav-screenings = การคัดกรองของฉัน
screenings-title = การคัดกรองของฉัน
screenings-title-org = การคัดกรองขององค์กรของฉัน
screenings-intro = การคัดกรองที่คุณทำ เรียงจากล่าสุด เปิดรายการเพื่อดูผลและขั้นตอนต่อไป
screenings-intro-org = การคัดกรองทั้งหมดขององค์กรของคุณ เรียงจากล่าสุด เปิดรายการเพื่อดูผลและขั้นตอนต่อไป
screenings-none = ยังไม่มีการคัดกรอง
screenings-new = เริ่มการคัดกรอง
screenings-adult = ผู้ใหญ่
screenings-child = เด็ก
screenings-referred = ส่งต่อเป็นกรณีแล้ว
screenings-not-referred = ไม่ได้ส่งต่อ
screenings-open-case = ส่งต่อแล้ว: เปิดกรณี
screenings-by-colleague = โดยเพื่อนร่วมงาน
screenings-cut = แสดงเฉพาะการคัดกรองล่าสุด { $count } รายการ
case-screening = ส่งต่อมาจากการคัดกรอง
case-screening-open = เปิดการคัดกรอง
